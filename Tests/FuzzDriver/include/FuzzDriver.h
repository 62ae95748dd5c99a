// The fuzz build's `main`: SwiftPM links an executable's entry point under the name <module>_main, so libFuzzer's
// own `main` cannot be used; this hands control to libFuzzer's driver instead (built only with -DREEL_INGEST_FUZZING).
#pragma once
