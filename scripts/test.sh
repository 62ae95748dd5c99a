#!/usr/bin/env bash
# What `make test` runs once the packages are installed (the Makefile's deps targets):
#
#   1. the release build with the test targets (packaging/build-release.sh; flags in
#      packaging/release-flags.sh): the suites run on the binaries the .deb packages, and one build serves both
#      (a debug build for the suites and a release build for the package took 11 and 11-15 minutes); the lint;
#   2. the test servers (scripts/test-servers.sh; a trap stops them by PID however this ends), then the suites in
#      four runs: everything but the store, end-to-end, API and fleet suites; the store suites; the end-to-end and
#      API suites together; the fleet suites together (real agents transcoding at once would starve the in-process
#      watcher suites' timeouts). Every run happens; the script fails if any did;
#   3. packaging/test-deb.sh: the .deb built from that build (its build step finds it up to date) and checked.
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

packaging/build-release.sh >/dev/null || exit 1
. packaging/release-flags.sh
$SWIFT format lint --strict --recursive Sources Tests Plugins Package.swift || exit 1

servers=yes
scripts/test-servers.sh start || exit 1
set -a && . ./.build/test-servers.env && set +a
status=0
$SWIFT test "${RELEASE_FLAGS[@]}" --skip-build --skip "EndToEndTests|IngestAPITests|IngestStoreTests" || status=1
$SWIFT test "${RELEASE_FLAGS[@]}" --skip-build --filter "IngestStoreTests" || status=1
$SWIFT test "${RELEASE_FLAGS[@]}" --skip-build --filter "EndToEndTests|IngestAPITests" --skip "Fleet" || status=1
$SWIFT test "${RELEASE_FLAGS[@]}" --skip-build --filter "Fleet" || status=1
scripts/test-servers.sh stop
servers=no

packaging/test-deb.sh || status=1
exit $status
