#!/usr/bin/env bash
# What `make test` runs once the packages are installed (the Makefile's deps targets):
#
#   1. the debug build with the test targets, and the lint;
#   2. the test servers (scripts/test-servers.sh; a trap stops them by PID however this ends), then the suites in
#      four runs: everything but the store, end-to-end, API and fleet suites; the store suites; the end-to-end and
#      API suites together; the fleet suites together (real agents transcoding at once would starve the in-process
#      watcher suites' timeouts). Every run happens; the script fails if any did;
#   3. packaging/test-deb.sh: the release build (packaging/build-release.sh), the .deb built from it and checked.
#      After the suites, not beside them: tried at idle priority (an autogroup at nice 19, SCHED_IDLE) it reached
#      step 80 of 886 during the debug build and the suites, which leave two cores little, and saved nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
export SWIFT
servers=no
cleanup() {
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

packaging/test-deb.sh || status=1
exit $status
