import Foundation

/// The built executables, next to the test bundle in the build directory (read through /proc/self/exe).
public enum TestBinaries {
    /// `name` in the build directory (whether it exists or not).
    public static func path(named name: String) -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// `reel-ingest`, or the one `REEL_INGEST_BIN` names (an installed package under test).
    public static var reelIngest: String {
        ProcessInfo.processInfo.environment["REEL_INGEST_BIN"] ?? path(named: "reel-ingest")
    }

    /// The media worker, `reel-ingest-media`.
    public static var mediaWorker: String { path(named: "reel-ingest-media") }
}
