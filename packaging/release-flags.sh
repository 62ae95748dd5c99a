# The release configuration's flags, sourced by packaging/build-release.sh and scripts/test.sh so that the build
# `make test` runs its suites on is the build the .deb packages (one release build instead of a debug build for
# the tests and a release build for the package).
#   Package.swift adds, in this configuration, -enable-testing to the modules the suites import with @testable (the
#   products keep -O and whole-module optimisation; only internal symbols stay visible), and -Onone to the test-only
#   targets: optimising the test code tripled the build and tests nothing the products do.
#   -z now: full RELRO, as Debian builds C programs (it changes only the link).
# No --static-swift-stdlib: Swift Testing has no static library, so a build with the tests links the Swift runtime
# dynamically; the .deb carries those libraries in /usr/lib/reel-ingest (packaging/build-deb.sh).
RELEASE_FLAGS=(-c release --scratch-path "${RELEASE_SCRATCH:-.build}" -Xlinker -z -Xlinker now)
