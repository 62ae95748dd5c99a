import Foundation
import TestSupport

/// Runs the built `reel-ingest` binary as a user would.
enum CLI {
    typealias Result = ProcessResult

    /// Awaited on a thread of its own: a test must never block the cooperative pool while a child runs.
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        binary: String = TestBinaries.reelIngest
    ) async throws
        -> Result
    {
        try await runProcessAsync(binary, arguments, environment: environment)
    }
}
