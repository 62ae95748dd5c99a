#!/usr/bin/env bash
# What `make test` runs once the packages are installed (the Makefile's deps targets):
#
#   1. the .deb's release build (packaging/build-release.sh, in .build-release) starts in the background at idle
#      priority (its autogroup at nice 19, SCHED_IDLE, the idle I/O class), so it runs only on what the debug build
#      and the suites leave of the two cores and never slows them; on two cores that is little (alone it takes about
#      15 minutes, of which a minute or two hide in their gaps);
#   2. the debug build with the test targets, and the lint;
#   3. the test servers (scripts/test-servers.sh; a trap stops them by PID however this ends), then the suites in
#      four runs: everything but the store, end-to-end, API and fleet suites; the store suites; the end-to-end and
#      API suites together; the fleet suites together (real agents transcoding at once would starve the in-process
#      watcher suites' timeouts). Every run happens; the script fails if any did;
#   4. once the release build is done, packaging/test-deb.sh builds the .deb from it and checks it.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
export SWIFT RELEASE_SCRATCH=.build-release
mkdir -p .build
release_log=.build/release-build.log

# Its own session (so the trap can stop its whole process group), and with it its own scheduler autogroup: the
# kernel shares the CPU between autogroups first, so the group is given nice 19 (weight 15 against 1024), or the
# build would take half the machine from the tests' group whatever its own priority.
setsid bash -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec chrt --idle 0 ionice -c 3 packaging/build-release.sh' \
    >"$release_log" 2>&1 &
release_pid=$!
servers=no
cleanup() {
    kill -- -"$release_pid" 2>/dev/null
    [ "$servers" = no ] || scripts/test-servers.sh stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

$SWIFT build --build-tests || exit 1
$SWIFT format lint --strict --recursive Sources Tests Plugins Package.swift || exit 1

servers=yes
scripts/test-servers.sh start || exit 1
set -a && . ./.build/test-servers.env && set +a
status=0
$SWIFT test --skip-build --skip "EndToEndTests|IngestAPITests|IngestStoreTests" || status=1
$SWIFT test --skip-build --filter "IngestStoreTests" || status=1
$SWIFT test --skip-build --filter "EndToEndTests|IngestAPITests" --skip "Fleet" || status=1
$SWIFT test --skip-build --filter "Fleet" || status=1
scripts/test-servers.sh stop
servers=no

echo "waiting for the release build (log: $release_log)"
if ! wait "$release_pid"; then
    cat "$release_log"
    echo "the release build failed" >&2
    exit 1
fi
tail -n 3 "$release_log"
packaging/test-deb.sh || status=1
exit $status
