# reel-ingest: `make run` starts the agent on the demo configuration, `make test` runs every test.
# Both install what is missing first (Debian packages, moto[server] from PyPI).

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN_DIR = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)
DEMO_CONFIG = etc/reel-ingest/demo.toml

# The design card's C libraries, plus the tools tests and benchmarks call.
APT_PACKAGES = libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev \
	libsqlite3-dev libcurl4-openssl-dev libinotifytools0-dev \
	ffmpeg libxml2-utils varnish curl python3-pip pkg-config time bc sqlite3 \
	chromium wrk

# What only the test servers need (scripts/test-servers.sh): PostgreSQL 15. `make run` does not install it.
TEST_PACKAGES = postgresql

# Building and checking the .deb: dpkg-shlibdeps, lintian, systemd-analyze, man, patchelf (the RUNPATH of the
# private Swift runtime); debootstrap and systemd-nspawn for test-install.
DEB_PACKAGES = dpkg-dev lintian systemd man-db xz-utils patchelf
INSTALL_TEST_PACKAGES = debootstrap systemd-container

.PHONY: deps deps-deb deps-test build lint run test test-deb deb test-install fuzz bench bench-s3 bench-transcode \
	bench-passthrough bench-resume bench-playable bench-api bench-claims bench-fleet bench-load bench-soak clean

deps:
	@scripts/apt-install.sh $(APT_PACKAGES)
	@command -v moto_server >/dev/null 2>&1 || python3 -m pip install --quiet 'moto[server]'
	@command -v aws >/dev/null 2>&1 || python3 -m pip install --quiet awscli
	@# The status API's independent test clients; Playwright drives Debian's chromium (no browser download).
	@python3 -c "import tusclient, prometheus_client, playwright, websocket" 2>/dev/null || \
		python3 -m pip install --quiet tuspy prometheus-client playwright websocket-client

build: deps
	$(SWIFT) build --build-tests

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Plugins Package.swift

# The agent and its worker only: a newcomer's first build skips the test targets.
run: deps
	$(SWIFT) build
	@mkdir -p demo/inbox demo/watches.d
	@[ -f demo/watches.d/inbox.toml ] || "$(BIN_DIR)/reel-ingest" watch add demo/inbox --name inbox --config $(DEMO_CONFIG)
	@echo "reel-ingest demo: drop a video into $(CURDIR)/demo/inbox; it is published to $(CURDIR)/demo/published. Ctrl-C stops."
	@echo "status page: http://127.0.0.1:8790/  (uploads, retry and cancel ask for the token in demo/state/api-token)"
	"$(BIN_DIR)/reel-ingest" run --config $(DEMO_CONFIG)

# scripts/test.sh: the release build with the test targets (the build the .deb packages), the lint, the test
# servers (scripts/test-servers.sh: moto with signatures enforced, Varnish and its signing origin, a throwaway
# PostgreSQL 15; stopped by PID however the run ends), the suites in four runs that keep real agents
# transcoding away from the timing-sensitive in-process suites, then the .deb from that build checked
# (packaging/test-deb.sh).
# Every suite run always happens; make fails if any did.
test: deps deps-deb deps-test
	SWIFT=$(SWIFT) scripts/test.sh

deps-deb: deps
	@scripts/apt-install.sh $(DEB_PACKAGES)

deps-test: deps
	@scripts/apt-install.sh $(TEST_PACKAGES)

# dist/reel-ingest_<version>_<arch>.deb (packaging/build-deb.sh; lintian must pass).
deb: deps-deb
	SWIFT=$(SWIFT) packaging/build-deb.sh dist

# Installs, checks and purges the .deb on this machine (part of `make test`).
test-deb: deps-deb
	SWIFT=$(SWIFT) packaging/test-deb.sh

# The package on a fresh debootstrap'd Debian 12 without Swift, then its units booted under systemd-nspawn.
test-install: deps-deb
	@scripts/apt-install.sh $(INSTALL_TEST_PACKAGES)
	SWIFT=$(SWIFT) packaging/test-install.sh

# libFuzzer on each parser the agent owns (configuration, drop-ins, sidecars, templates, tus metadata, the chunked
# upload API's body, the worker's JSON lines, S3 XML, the checkpoint journal, container structures), FUZZ_SECONDS
# each (default 60).
fuzz: deps
	SWIFT=$(SWIFT) scripts/fuzz.sh $${FUZZ_SECONDS:-60}

bench: build
	@command -v hyperfine >/dev/null 2>&1 || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine
	@command -v rclone >/dev/null 2>&1 || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone
	bench/cli-queries.sh "$(BIN_DIR)/reel-ingest"
	bench/watcher.sh "$(BIN_DIR)/reel-ingest"

# Uploads of the same 1 GiB file with reel-ingest push, aws s3 cp and rclone copyto (release build).
bench-s3: deps-test
	@command -v rclone >/dev/null 2>&1 || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rclone
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/s3-upload.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)/reel-ingest"

# Transcode against the ffmpeg command lines (several minutes on 2 cores); BENCH_SECONDS=20 for a shorter source.
bench-transcode: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/transcode-ladder.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)/reel-ingest-media" $${BENCH_SECONDS:-60}

# The status API with 100,000 jobs under wrk at fixed rates, and a 1 GiB tus upload against cp (release build).
bench-api: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/api.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)/reel-ingest"

# Claim latency after intake's checks: one agent on SQLite, two on the test servers' PostgreSQL.
bench-claims: deps deps-test
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/claim-latency.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)"

# One agent against two on one share and one PostgreSQL, each pinned to a core, beside the ffmpeg CLI on one core
# and on two; RSS, connections and statements per job (about 15 minutes on 2 cores).
bench-fleet: deps deps-test
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/fleet-throughput.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)"

# Drop → playable under a 20 Mbit/s uplink against ffmpeg then aws s3 sync (several minutes on 2 cores).
bench-playable: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/drop-to-playable.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)" $${BENCH_SECONDS:-60}

# Passthrough top rung against one ffmpeg command re-encoding every rung and one copying the top rung (60 s 1080p30,
# ROUNDS=3 rounds, NOISE=0 for the plain pattern).
bench-passthrough: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/transcode-passthrough.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)/reel-ingest-media" $${BENCH_SECONDS:-60}

# Finishing a 5-minute 1080p transcode killed at 90 % against running it again from scratch (ROUNDS=2, NOISE=6 for the
# noisy source; about 15 minutes a round on 2 cores).
bench-resume: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/transcode-resume.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)/reel-ingest-media" $${BENCH_SECONDS:-300}

# 1,000 one-second clips dropped at once with the page, jobs watch and wrk open (COUNT=1000; about 10 minutes).
bench-load: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/load.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)"

# An hour of drops, sampled each minute (MINUTES=60, DROP_EVERY=10).
bench-soak: deps
	SWIFT=$(SWIFT) packaging/build-release.sh >/dev/null
	bench/soak.sh "$$(SWIFT=$(SWIFT) packaging/build-release.sh | tail -n 1)" $${MINUTES:-60}

clean:
	rm -rf .build demo dist
