#!/usr/bin/env bash
# The release build the .deb ships (flags in packaging/release-flags.sh). Prints the folder holding the binaries as
# its last line.
#
# Usage: packaging/build-release.sh [--build-tests]   (--build-tests: the test targets too, for `make test`;
#                                                     SWIFT=... picks the toolchain, RELEASE_SCRATCH=DIR builds in
#                                                     DIR instead of .build)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
. packaging/release-flags.sh
# Every target, not `--product`: a build of one product compiles Hummingbird differently, and the next whole build
# (make test's) would compile it again.
if [ "${1:-}" = --build-tests ]; then
    $SWIFT build "${RELEASE_FLAGS[@]}" --build-tests >&2
else
    $SWIFT build "${RELEASE_FLAGS[@]}" >&2
fi
$SWIFT build "${RELEASE_FLAGS[@]}" --show-bin-path
