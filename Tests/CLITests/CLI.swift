import Foundation
import TestSupport

/// Runs the built `reel-ingest` binary as a user would.
enum CLI {
    /// The executable sits next to the test bundle in the build directory.
    static var binary: String {
        if let override = ProcessInfo.processInfo.environment["REEL_INGEST_BIN"] { return override }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("reel-ingest").path
    }

    typealias Result = ProcessResult

    /// Awaited on a thread of its own: a test must never block the cooperative pool while a child runs.
    static func run(_ arguments: [String], environment: [String: String] = [:], binary: String = binary) async throws
        -> Result
    {
        try await runProcessAsync(binary, arguments, environment: environment)
    }
}
