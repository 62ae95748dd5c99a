#!/usr/bin/env bash
# Fuzzes each parser the agent owns with libFuzzer for SECONDS (default 60) each.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]      (make fuzz; FUZZ_SECONDS=600 make fuzz for longer runs)
# The fuzz build lives in .build-fuzz (every module instrumented, -DFUZZING); the corpus in .build-fuzz/corpus/<target>
# starts from the seeds in Tests/FuzzTargets/FuzzSeeds.swift (written by the replay build) and grows run after run;
# crash inputs land in .build-fuzz/crashes/. Copy one into Tests/FuzzRegressionTests/Crashes/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config drop-in sidecar template tus chunked worker-json s3-xml checkpoint container)

echo "== replay build (writes the seed corpus)"
$SWIFT build --product reel-ingest-fuzz
replay="$($SWIFT build --show-bin-path)/reel-ingest-fuzz"
echo "== fuzz build (.build-fuzz)"
$SWIFT build --build-path .build-fuzz --product reel-ingest-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING \
    -Xcc -DREEL_INGEST_FUZZING
fuzzer="$($SWIFT build --build-path .build-fuzz --show-bin-path)/reel-ingest-fuzz"

mkdir -p .build-fuzz/crashes
status=0
for target in "${targets[@]}"; do
    corpus=.build-fuzz/corpus/$target
    mkdir -p "$corpus"
    "$replay" --write-seeds "$target" "$corpus" >/dev/null
    echo "== $target: ${seconds}s"
    # SWIFT_BACKTRACE off: the Swift runtime's crash handler would exit before libFuzzer saves the crashing input.
    if ! REEL_INGEST_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=".build-fuzz/crashes/$target-" -print_final_stats=1 "$corpus" 2>".build-fuzz/$target.log"; then
        echo "!! $target: crashed; input in .build-fuzz/crashes/$target-*, log in .build-fuzz/$target.log"
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" ".build-fuzz/$target.log" | sed "s/^/   /" || true
    echo "   corpus: $(ls "$corpus" | wc -l) inputs"
done
exit $status
