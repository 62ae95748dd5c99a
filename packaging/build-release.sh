#!/usr/bin/env bash
# The release build the .deb ships: both binaries with the Swift runtime linked in (--static-swift-stdlib: the
# server needs no Swift toolchain) and full RELRO (-z now, as Debian builds C programs; it changes only the link).
# Prints the folder holding the binaries as its last line.
#
# Usage: packaging/build-release.sh     (SWIFT=... picks the toolchain; RELEASE_SCRATCH=DIR builds in DIR instead
#                                        of .build, so it can run beside a debug build or `swift test` in .build,
#                                        which hold .build's lock)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
release=(-c release --scratch-path "${RELEASE_SCRATCH:-.build}" --static-swift-stdlib -Xlinker -z -Xlinker now)
$SWIFT build "${release[@]}" --product reel-ingest >&2
$SWIFT build "${release[@]}" --product reel-ingest-media >&2
$SWIFT build "${release[@]}" --show-bin-path
