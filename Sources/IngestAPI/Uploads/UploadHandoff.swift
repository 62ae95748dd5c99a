import Foundation
import IngestStore
import Logging

/// Completed uploads on their way to intake. The request that completes an upload moves and records it at once (so
/// it can answer with the job); the checks (a SHA-256 pass, the probe child) run here, one at a time, so a burst of
/// uploads cannot start many hashes at once. At start-up it finishes what a stopped agent left half-way.
struct UploadHandoff: Sendable {
    let backend: any IngestBackend
    let database: any JobStore
    let logger: Logger
    private let queue: AsyncStream<HTTPUploadRecord>
    private let continuation: AsyncStream<HTTPUploadRecord>.Continuation

    init(backend: any IngestBackend, database: any JobStore, logger: Logger) {
        self.backend = backend
        self.database = database
        self.logger = logger
        (queue, continuation) = AsyncStream.makeStream()
    }

    /// Hands a complete upload to intake and queues its checks; a failure is recorded on the upload.
    func complete(_ upload: HTTPUploadRecord) async throws -> HTTPUploadRecord {
        do {
            let handed = try await backend.handOff(upload)
            logger.notice(
                "upload handed to intake",
                metadata: [
                    "upload": "\(upload.id)", "job": "\(handed.jobId.map(String.init) ?? "?")",
                    "path": "\(handed.finalPath ?? "?")", "size": "\(upload.totalSize)",
                ]
            )
            continuation.yield(handed)
            return handed
        } catch {
            logger.error("cannot hand upload to intake", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
            try? await database.setHTTPUploadState(id: upload.id, .failed, error: "\(error)")
            throw APIError(.internalServerError, "the upload is complete but could not be handed to intake: \(error)")
        }
    }

    /// Resumes interrupted hand-offs, then runs queued checks until the stream ends.
    func run() async {
        do {
            for upload in try await database.httpUploads(in: .received) {
                _ = try? await complete(upload)
            }
            for upload in try await database.httpUploadsAwaitingChecks() {
                await backend.check(upload)
            }
        } catch {
            logger.error("cannot resume upload hand-offs", metadata: ["error": "\(error)"])
        }
        for await upload in queue {
            await backend.check(upload)
        }
    }

    func finish() { continuation.finish() }
}
