#!/usr/bin/env bash
# Watcher benchmarks on a running `reel-ingest run` (inotify on a local folder, real probe child):
#   1. CPU used by the idle agent over 60 s;
#   2. latency from a file's close-write to its job row, minus the settle time, p50/p99 over 1,000 files;
#   3. a 10,000-file burst: time until every job row exists, and until every file is hashed and probed.
# Each file is a real 1 s clip made by the ffmpeg CLI, plus 16 unique bytes so none is a duplicate.
# Usage: bench/watcher.sh PATH/TO/reel-ingest   (reel-ingest-media must sit next to it)
set -euo pipefail
bin=$(readlink -f "${1:?usage: $0 path/to/reel-ingest}")
work=$(mktemp -d /tmp/reel-ingest-watch-bench.XXXXXX)
agent=
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

settle=${SETTLE:-1s}
mkdir -p "$work/inbox" "$work/watches.d"
cat > "$work/agent.toml" <<TOML
[agent]
state_dir = "state"
scratch_dir = "scratch"
[limits]
settle_time = "$settle"
TOML
echo "path = \"$work/inbox\"" > "$work/watches.d/inbox.toml"
ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25:duration=1 -pix_fmt yuv420p \
  "$work/clip.mp4"

"$bin" run --config "$work/agent.toml" 2> "$work/agent.log" &
agent=$!
for _ in $(seq 100); do grep -q "watching folder" "$work/agent.log" && break; sleep 0.1; done

python3 "$(dirname "$0")/watcher_bench.py" --pid "$agent" --work "$work" --settle "$settle" \
  --idle "${IDLE_SECONDS:-60}" --latency-files "${LATENCY_FILES:-1000}" --burst-files "${BURST_FILES:-10000}"
