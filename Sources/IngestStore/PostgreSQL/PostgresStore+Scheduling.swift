import Foundation
import IngestCore

/// What the scheduler asks: which jobs may run next, which were running when the agent stopped, when the next
/// retry is due; and the publication's last step.
extension PostgresStore {
    public func runnableJobs(limit: Int, excluding running: Set<Int64>, uncheckedBefore: Date, now: Date)
        async throws -> [JobRecord]
    {
        let excluded = running.isEmpty ? "" : "AND id NOT IN (\(marks(running.count)))"
        let sql =
            "SELECT * FROM video_processing_jobs \(Self.runnable(now: "?")) \(excluded) \(Self.queueOrder) LIMIT ?"
        let arguments: [any SQLBindable] = [uncheckedBefore, now, now] + running.sorted().map { $0 } + [limit]
        return try await read { session in try await session.fetchAll(JobRecord.self, sql, arguments) }
    }

    public func jobsWaitingForRoom() async throws -> [JobRecord] {
        try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                """
                SELECT * FROM video_processing_jobs WHERE state = 'stable' AND next_attempt_at IS NOT NULL
                ORDER BY created_at, id
                """
            )
        }
    }

    public func activeJobs() async throws -> [JobRecord] {
        let states = JobState.allCases.filter(\.isActive)
        return try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                "SELECT * FROM video_processing_jobs WHERE state IN (\(marks(states.count))) ORDER BY id",
                states
            )
        }
    }

    public func states(of ids: Set<Int64>) async throws -> [Int64: JobState] {
        guard !ids.isEmpty else { return [:] }
        return try await read { session in
            var states: [Int64: JobState] = [:]
            for row in try await session.rows(
                "SELECT id, state FROM video_processing_jobs WHERE id IN (\(marks(ids.count)))",
                ids.sorted()
            ) {
                if let id = try session.decode(Int64.self, row[0]),
                    let state = try session.decode(String.self, row[1]).flatMap(JobState.init(rawValue:))
                {
                    states[id] = state
                }
            }
            return states
        }
    }

    public func nextRetryDue() async throws -> Date? {
        try await read { session in
            try await session.scalar(
                Date.self,
                "SELECT MIN(next_attempt_at) FROM video_processing_jobs WHERE state = 'failed' AND next_attempt_at IS NOT NULL"
            )
        }
    }

    public func markChecked(job id: Int64, at now: Date) async throws {
        try await write { session, pending in
            try await session.execute(
                "UPDATE video_processing_jobs SET checked_at = ? WHERE id = ? AND checked_at IS NULL",
                [now, id]
            )
            pending.jobBecameRunnable()
        }
    }

    public func setRevision(job id: Int64, _ revision: String, claim: JobClaim?) async throws {
        let held = claim == nil ? "" : "AND claimed_by = ? AND fence = ?"
        let arguments: [any SQLBindable] = [revision, claim?.agent, id] + (claim.map { [$0.agent, $0.fence] } ?? [])
        try await write { session, _ in
            let changed = try await session.changes(
                "UPDATE video_processing_jobs SET revision = ?, revision_by = ? WHERE id = ? \(held) RETURNING 1",
                arguments
            )
            if let claim, changed == 0 { throw LeaseLost(jobId: id, agent: claim.agent) }
        }
    }

    public func publishedJob(videoId: String) async throws -> JobRecord? {
        try await read { session in
            try await session.fetchOne(
                JobRecord.self,
                """
                SELECT * FROM video_processing_jobs WHERE video_id = ? AND published_revision IS NOT NULL
                ORDER BY published_at DESC LIMIT 1
                """,
                [videoId]
            )
        }
    }

    public func jobsKeepingScratch() async throws -> Set<Int64> {
        try await read { session in
            Set(
                try await session.column(
                    Int64.self,
                    """
                    SELECT id FROM video_processing_jobs
                    WHERE state IN ('discovered', 'stable', 'probing', 'transcoding', 'uploading', 'distributing')
                        OR (state = 'failed' AND next_attempt_at IS NOT NULL)
                    """
                )
            )
        }
    }

    public func sourceFile(id: Int64) async throws -> SourceFileRecord? {
        try await read { session in
            try await session.fetchOne(SourceFileRecord.self, "SELECT * FROM source_files WHERE id = ?", [id])
        }
    }

    public func moveSource(job id: Int64, to path: String) async throws {
        try await write { session, _ in
            try await session.execute("UPDATE video_processing_jobs SET source_path = ? WHERE id = ?", [path, id])
            try await session.execute(
                """
                UPDATE source_files SET path = ?
                WHERE id = (SELECT source_file_id FROM video_processing_jobs WHERE id = ?)
                """,
                [path, id]
            )
        }
    }

    @discardableResult
    public func completePublication(
        job id: Int64,
        revision: String,
        policy: RetryPolicy,
        at now: Date,
        claim: JobClaim?
    ) async throws -> JobRecord {
        try await write { session, pending in
            try await session.execute(
                "UPDATE video_processing_jobs SET published_revision = ?, published_at = ? WHERE id = ?",
                [revision, now, id]
            )
            return try await apply(.published, toJob: id, policy: policy, at: now, claim: claim, session, pending)
        }
    }
}
