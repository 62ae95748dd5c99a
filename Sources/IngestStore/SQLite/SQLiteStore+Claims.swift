import Foundation
import GRDB
import IngestCore

extension JobRecord {
    /// The queue, written once for SQLite: queued jobs intake has checked (or recorded before `uncheckedBefore`),
    /// not waiting for room, not held by a live claim; watch priority first, then age, then id.
    static func runnable(uncheckedBefore: Date, now: Date) -> QueryInterfaceRequest<JobRecord> {
        JobRecord
            .filter(Column("state") == JobState.stable.rawValue)
            .filter(Column("checked_at") != nil || Column("created_at") < uncheckedBefore)
            .filter(Column("next_attempt_at") == nil || Column("next_attempt_at") <= now)
            .filter(Column("claimed_by") == nil || Column("lease_until") < now)
            .order(Column("priority").desc, Column("created_at"), Column("id"))
    }
}

/// Claims on SQLite: one writer at a time makes the select-then-update a single step; the clock is this
/// process's (a SQLite store has one agent).
extension SQLiteStore {
    public func claimJobs(
        agent: String,
        limit: Int,
        lease: Duration,
        uncheckedBefore: Date,
        watches: [String]?
    ) async throws -> [JobClaim] {
        let now = Date()
        let until = now.addingTimeInterval(lease.inSeconds)
        let runnable = JobRecord.runnable(uncheckedBefore: uncheckedBefore, now: now)
        let request =
            watches.map { runnable.filter(Column("source_path").like("/%") || $0.contains(Column("watch_name"))) }
            ?? runnable
        return try await write { db in
            var claims: [JobClaim] = []
            for var job in try request.limit(limit).fetchAll(db) {
                job.claimedBy = agent
                job.leaseUntil = until
                job.fence += 1
                try job.update(db, columns: ["claimed_by", "lease_until", "fence"])
                claims.append(try JobClaim(job: job, agent: agent))
            }
            return claims
        }
    }

    public func renewLeases(_ claims: [JobClaim], lease: Duration) async throws -> Set<Int64> {
        guard !claims.isEmpty else { return [] }
        let until = Date().addingTimeInterval(lease.inSeconds)
        return try await write { db in
            var lost: Set<Int64> = []
            for claim in claims {
                try db.execute(
                    sql: """
                        UPDATE video_processing_jobs SET lease_until = ?
                        WHERE id = ? AND claimed_by = ? AND fence = ?
                        """,
                    arguments: [until, claim.jobId, claim.agent, claim.fence]
                )
                if db.changesCount == 0 { lost.insert(claim.jobId) }
            }
            return lost
        }
    }

    public func rescueExpiredLeases(policy: RetryPolicy) async throws -> [RescuedJob] {
        let now = Date()
        return try await write { db in
            let expired = try JobRecord.filter(Column("claimed_by") != nil && Column("lease_until") < now)
                .order(Column("id")).fetchAll(db)
            var rescued: [RescuedJob] = []
            for var job in expired {
                guard let id = job.id, let agent = job.claimedBy else { continue }
                if job.state.isActive {
                    let reason = JobRecord.leaseExpiredReason(agent: agent)
                    job = try self.apply(.failed(error: reason), toJob: id, policy: policy, at: now, db: db)
                } else {
                    job.claimedBy = nil
                    job.leaseUntil = nil
                    try job.update(db, columns: ["claimed_by", "lease_until"])
                }
                rescued.append(RescuedJob(jobId: id, agent: agent, state: job.state))
            }
            return rescued
        }
    }
}
