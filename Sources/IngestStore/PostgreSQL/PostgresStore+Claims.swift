import Foundation
import IngestCore

/// Claims on PostgreSQL: `FOR UPDATE SKIP LOCKED` hands each runnable job to one agent without waiting on the
/// others, and every lease is measured by the database's clock (`now()`), never an agent's.
extension PostgresStore {
    /// The queue's condition, written once: `now` is `?` (a caller's time) or `now()` (the database's). Its first
    /// argument is `uncheckedBefore`, then `now` twice when it is `?`.
    static func runnable(now: String) -> String {
        """
        WHERE state = 'stable' AND (checked_at IS NOT NULL OR created_at < ?)
            AND (next_attempt_at IS NULL OR next_attempt_at <= \(now))
            AND (claimed_by IS NULL OR lease_until < \(now))
        """
    }

    static let queueOrder = "ORDER BY priority DESC, created_at, id"

    public func claimJobs(
        agent: String,
        limit: Int,
        lease: Duration,
        uncheckedBefore: Date,
        watches: [String]?
    ) async throws -> [JobClaim] {
        guard limit > 0 else { return [] }
        var openable = ""
        var names: [any SQLBindable] = []
        if let watches {
            let known = watches.isEmpty ? "" : " OR watch_name IN (\(marks(watches.count)))"
            openable = "AND (starts_with(source_path, '/')\(known))"
            names = watches
        }
        let jobs = try await write { session, _ in
            try await session.fetchAll(
                JobRecord.self,
                """
                UPDATE video_processing_jobs
                SET claimed_by = ?, lease_until = now() + make_interval(secs => ?), fence = fence + 1
                WHERE id IN (
                    SELECT id FROM video_processing_jobs \(Self.runnable(now: "now()")) \(openable)
                    \(Self.queueOrder) LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING *
                """,
                [agent, lease.inSeconds, uncheckedBefore] + names + [limit]
            )
        }
        // RETURNING keeps no order: the queue's order again.
        return try jobs.sorted {
            ($0.priority, $1.createdAt, $1.id ?? 0) > ($1.priority, $0.createdAt, $0.id ?? 0)
        }.map { try JobClaim(job: $0, agent: agent) }
    }

    public func renewLeases(_ claims: [JobClaim], lease: Duration) async throws -> Set<Int64> {
        guard !claims.isEmpty else { return [] }
        var held: [String] = []
        var arguments: [any SQLBindable] = [lease.inSeconds]
        for claim in claims {
            held.append("(id = ? AND claimed_by = ? AND fence = ?)")
            arguments += [claim.jobId, claim.agent, claim.fence]
        }
        let renewed = try await write { session, _ in
            try await session.column(
                Int64.self,
                """
                UPDATE video_processing_jobs SET lease_until = now() + make_interval(secs => ?)
                WHERE \(held.joined(separator: " OR ")) RETURNING id
                """,
                arguments
            )
        }
        return Set(claims.map(\.jobId)).subtracting(renewed)
    }

    public func rescueExpiredLeases(policy: RetryPolicy) async throws -> [RescuedJob] {
        try await write { session, pending in
            let expired = try await session.fetchAll(
                JobRecord.self,
                """
                SELECT * FROM video_processing_jobs WHERE claimed_by IS NOT NULL AND lease_until < now()
                ORDER BY id FOR UPDATE SKIP LOCKED
                """
            )
            var rescued: [RescuedJob] = []
            for job in expired {
                guard let id = job.id, let agent = job.claimedBy else { continue }
                var state = job.state
                if job.state.isActive {
                    let reason = JobRecord.leaseExpiredReason(agent: agent)
                    state = try await apply(
                        .failed(error: reason),
                        toJob: id,
                        policy: policy,
                        at: Date(),
                        session,
                        pending
                    ).state
                } else {
                    try await session.execute(
                        "UPDATE video_processing_jobs SET claimed_by = NULL, lease_until = NULL WHERE id = ?",
                        [id]
                    )
                    pending.jobBecameRunnable()
                }
                rescued.append(RescuedJob(jobId: id, agent: agent, state: state))
            }
            return rescued
        }
    }
}
