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
# Always with the test targets, so that every release build is the one `make test` runs its suites on. The test
# targets add about 2 minutes to a first build.
$SWIFT build "${RELEASE_FLAGS[@]}" --build-tests >&2
$SWIFT build "${RELEASE_FLAGS[@]}" --show-bin-path
