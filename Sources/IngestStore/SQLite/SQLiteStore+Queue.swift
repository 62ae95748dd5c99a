import Foundation
import GRDB
import IngestCore

extension SQLiteStore {
    public func queueStatus() async throws -> QueueStatus {
        try await pool.read { db in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT state, COUNT(*) AS n FROM video_processing_jobs GROUP BY state"
            )
            for row in rows {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            // One indexed probe per queued state beats a scan ordered across states.
            var oldest: JobRecord? = nil
            for state in JobState.queued {
                let candidate = try JobRecord.filter(Column("state") == state.rawValue)
                    .order(Column("created_at")).limit(1).fetchOne(db)
                if let candidate, oldest.map({ candidate.createdAt < $0.createdAt }) ?? true { oldest = candidate }
            }
            let nextRetry = try Date.fetchOne(
                db,
                sql: """
                    SELECT next_attempt_at FROM video_processing_jobs
                    WHERE state = 'failed' AND next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1
                    """
            )
            return QueueStatus(counts: counts, oldestWaiting: oldest, nextRetryAt: nextRetry)
        }
    }
}
