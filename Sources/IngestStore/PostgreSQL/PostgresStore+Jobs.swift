import Foundation
import IngestCore

/// Jobs and their state machine. A transition locks its job row (`FOR UPDATE`), so two agents applying events to
/// one job take turns and the second sees the first's state.
extension PostgresStore {
    static let jobs = "video_processing_jobs"

    public func insertJob(_ new: NewJob, at now: Date) async throws -> JobRecord {
        try await write { session, pending in try await insertJob(new, at: now, session, pending) }
    }

    func insertJob(_ new: NewJob, at now: Date, _ session: PostgresSession, _ pending: PendingUpdates) async throws
        -> JobRecord
    {
        var job = JobRecord.discovered(new, at: now)
        guard let id = try await session.insert(job, into: Self.jobs) else { throw StoreError.jobNotFound(0) }
        job.id = id
        let (stage, update) = job.discoveredRows(id: id, at: now)
        try await session.insert(stage, into: "video_processing_stages")
        pending.add(update)
        return job
    }

    @discardableResult
    public func apply(_ event: JobEvent, toJob id: Int64, policy: RetryPolicy, at now: Date, claim: JobClaim?)
        async throws -> JobRecord
    {
        try await write { session, pending in
            try await apply(event, toJob: id, policy: policy, at: now, claim: claim, session, pending)
        }
    }

    func apply(
        _ event: JobEvent,
        toJob id: Int64,
        policy: RetryPolicy,
        at now: Date,
        claim: JobClaim? = nil,
        _ session: PostgresSession,
        _ pending: PendingUpdates
    ) async throws -> JobRecord {
        guard
            let current = try await session.fetchOne(
                JobRecord.self,
                "SELECT * FROM video_processing_jobs WHERE id = ? FOR UPDATE",
                [id]
            )
        else { throw StoreError.jobNotFound(id) }
        let applied = try AppliedEvent(event, to: current, id: id, policy: policy, at: now, claim: claim)
        try await session.update(applied.job, in: Self.jobs, id: id)
        if let arguments = applied.closeStageArguments(id: id, at: now) {
            try await session.execute(AppliedEvent.closeStageSQL, arguments)
        }
        try await session.insert(applied.stage, into: "video_processing_stages")
        pending.add(applied.update)
        return applied.job
    }

    public func setProgress(job id: Int64, percent: Double, etaSeconds: Double?, at now: Date, claim: JobClaim?)
        async throws
    {
        let held = claim == nil ? "" : "AND claimed_by = ? AND fence = ?"
        let arguments: [any SQLBindable] = [percent, etaSeconds, now, id] + (claim.map { [$0.agent, $0.fence] } ?? [])
        try await write { session, pending in
            let job = try await session.fetchOne(
                JobRecord.self,
                """
                UPDATE video_processing_jobs SET progress = ?, eta_seconds = ?, updated_at = ?
                WHERE id = ? AND state IN ('probing', 'transcoding', 'uploading', 'distributing') \(held)
                RETURNING *
                """,
                arguments
            )
            guard let job else { return }
            pending.add(.progress(of: job, id: id, percent: percent, etaSeconds: etaSeconds, at: now))
        }
    }

    public func job(id: Int64) async throws -> JobRecord? {
        try await read { session in
            try await session.fetchOne(JobRecord.self, "SELECT * FROM video_processing_jobs WHERE id = ?", [id])
        }
    }

    public func stages(ofJob id: Int64) async throws -> [StageRecord] {
        try await read { session in
            try await session.fetchAll(
                StageRecord.self,
                "SELECT * FROM video_processing_stages WHERE job_id = ? ORDER BY id",
                [id]
            )
        }
    }

    public func jobs(state: JobState?, limit: Int) async throws -> [JobRecord] {
        try await jobsPage(state: state, watch: nil, beforeID: nil, limit: limit)
    }

    public func dueRetries(at now: Date, limit: Int) async throws -> [JobRecord] {
        try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                """
                SELECT * FROM video_processing_jobs WHERE state = 'failed' AND next_attempt_at <= ?
                ORDER BY next_attempt_at LIMIT ?
                """,
                [now, limit]
            )
        }
    }

    public func jobsPage(state: JobState?, watch: String?, beforeID: Int64?, limit: Int) async throws -> [JobRecord] {
        let page = JobRecord.page(state: state, watch: watch, beforeID: beforeID, limit: limit)
        return try await read { session in
            try await session.rowsInOrder(page.sql, page.arguments).map { row in
                do { return try JobRecord(postgresRowInColumnOrder: row) } catch { throw PostgresStoreError(error) }
            }
        }
    }

    public func jobs(videoID: String) async throws -> [JobRecord] {
        try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                "SELECT * FROM video_processing_jobs WHERE video_id = ? ORDER BY id DESC",
                [videoID]
            )
        }
    }

    public func unfinishedJobs(limit: Int) async throws -> [JobRecord] {
        let states = JobState.allCases.filter { !$0.isTerminal }
        return try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                "SELECT * FROM video_processing_jobs WHERE state IN (\(marks(states.count))) ORDER BY id DESC LIMIT ?",
                states.map { $0 as any SQLBindable } + [limit]
            )
        }
    }
}

/// `?, ?, ?` for an IN list.
func marks(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}
