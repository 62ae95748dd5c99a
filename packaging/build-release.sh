#!/usr/bin/env bash
# The release build the .deb ships (flags in packaging/release-flags.sh). Prints the folder holding the binaries as
# its last line.
#
# Usage: packaging/build-release.sh     (SWIFT=... picks the toolchain, RELEASE_SCRATCH=DIR builds in DIR instead of
#                                        .build)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
. packaging/release-flags.sh
# Always with the test targets: SwiftPM compiles Hummingbird differently in a build without them (and in a build of
# one product), so any other build would compile it again after `make test`'s. The test targets add about 2 minutes
# to a first build.
$SWIFT build "${RELEASE_FLAGS[@]}" --build-tests >&2
$SWIFT build "${RELEASE_FLAGS[@]}" --show-bin-path
