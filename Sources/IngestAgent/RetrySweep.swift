import Foundation
import IngestCore
import IngestStore

/// What cron's `reel-ingest retry-sweep` does: re-queue every failed job whose next attempt is due.
public struct RetrySweep: Sendable {
    public struct Report: Codable, Sendable, Equatable {
        public var requeued: [Int64] = []
        public var errors: [String] = []
    }

    let database: IngestDatabase
    let policy: RetryPolicy

    public init(database: IngestDatabase, policy: RetryPolicy) {
        self.database = database
        self.policy = policy
    }

    public func run(at now: Date = Date()) async throws -> Report {
        var report = Report()
        for job in try await database.dueRetries(at: now) {
            guard let id = job.id else { continue }
            do {
                try await database.apply(.retry(manual: false), toJob: id, policy: policy, at: now)
                report.requeued.append(id)
            } catch {
                // Another sweep or the daemon moved it first; report and go on with the rest.
                report.errors.append("job \(id): \(error)")
            }
        }
        return report
    }
}
