import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging

/// What the person at the workstation sees when a file is not taken (rejected at intake or by the pipeline, or failed
/// for good): `<name>.error.txt` beside it in plain words, then the watch's `on_failure` (keep, move, delete).
/// Where the file went is recorded on the job, so the API, the page and a later retry find it there.
struct ShareFeedback: Sendable {
    let database: any JobStore
    let logger: Logger

    /// Returns where the source is afterwards (nil when `on_failure` deleted it).
    @discardableResult
    func leave(job id: Int64, path: String, watch: WatchConfig, problem: String, advice: String) async -> String? {
        let executor = SourceActionExecutor(root: watch.path)
        let action = watch.onFailure
        do {
            let moved = try await runBlocking("reel-ingest source") { () throws -> String? in
                try executor.writeErrorNote(for: path, problem: problem, advice: advice)
                return try executor.apply(action, to: path)
            }
            if let moved, moved != path { try await database.moveSource(job: id, to: watch.storedPath(moved)) }
            return moved
        } catch {
            logger.error(
                "cannot leave feedback in the folder",
                metadata: ["job": "\(id)", "path": "\(path)", "error": "\(error)"]
            )
            return path
        }
    }
}
