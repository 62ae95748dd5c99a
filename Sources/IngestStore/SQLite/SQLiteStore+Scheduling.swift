import Foundation
import GRDB
import IngestCore

/// What the scheduler asks: which jobs may run next, which were running when the agent stopped, when the next
/// retry is due.
extension SQLiteStore {
    /// Queued jobs that intake has finished checking, in the order they run: watch priority (higher first), then
    /// age, then id, so a burst in one folder cannot pass a file of higher priority. Jobs recorded before
    /// `uncheckedBefore` run even without intake's mark (the agent stopped while checking them; the pipeline
    /// checks them itself).
    /// A job waiting for room (`next_attempt_at` on a queued job) is left out until its time has come.
    public func runnableJobs(
        limit: Int,
        excluding running: Set<Int64>,
        uncheckedBefore: Date,
        now: Date
    ) async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord.runnable(uncheckedBefore: uncheckedBefore, now: now)
                .filter(!running.contains(Column("id")))
                .limit(limit)
                .fetchAll(db)
        }
    }

    /// Queued jobs held back because the machine had no room for them (`waitForRoom`), oldest first.
    public func jobsWaitingForRoom() async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord
                .filter(Column("state") == JobState.stable.rawValue)
                .filter(Column("next_attempt_at") != nil)
                .order(Column("created_at"), Column("id"))
                .fetchAll(db)
        }
    }

    /// Jobs in a working state: at start-up these were interrupted by the agent's death.
    public func activeJobs() async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord.filter(JobState.allCases.filter(\.isActive).map(\.rawValue).contains(Column("state")))
                .order(Column("id")).fetchAll(db)
        }
    }

    /// The states of `ids` now (jobs another process may have cancelled).
    public func states(of ids: Set<Int64>) async throws -> [Int64: JobState] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, state FROM video_processing_jobs WHERE id IN (\(ids.map(String.init).joined(separator: ",")))"
            )
            var states: [Int64: JobState] = [:]
            for row in rows {
                if let state = JobState(rawValue: row["state"]) { states[row["id"]] = state }
            }
            return states
        }
    }

    /// When the earliest failed job with attempts left may be tried again.
    public func nextRetryDue() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(
                db,
                sql: """
                    SELECT MIN(next_attempt_at) FROM video_processing_jobs
                    WHERE state = 'failed' AND next_attempt_at IS NOT NULL
                    """
            )
        }
    }

    /// Intake's checks passed: the job may run.
    public func markChecked(job id: Int64, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE video_processing_jobs SET checked_at = ? WHERE id = ? AND checked_at IS NULL",
                arguments: [now, id]
            )
        }
        // The job may run now: the scheduler claims it at once instead of at its next poll.
        updates.jobBecameRunnable()
    }

    /// The revision a run produces: kept while the job retries one publication, new once it was published.
    public func setRevision(job id: Int64, _ revision: String, claim: JobClaim?) async throws {
        try await write { db in
            var sql = "UPDATE video_processing_jobs SET revision = ?, revision_by = ? WHERE id = ?"
            var arguments: [any SQLBindable] = [revision, claim?.agent, id]
            if let claim {
                sql += " AND claimed_by = ? AND fence = ?"
                arguments += [claim.agent, claim.fence]
            }
            try db.execute(sql: sql, arguments: StatementArguments(sql: arguments))
            if let claim, db.changesCount == 0 { throw LeaseLost(jobId: id, agent: claim.agent) }
        }
    }

    /// The newest job of `videoId` that published (so a video is shown by its live publication).
    public func publishedJob(videoId: String) async throws -> JobRecord? {
        try await pool.read { db in
            try JobRecord.filter(Column("video_id") == videoId && Column("published_revision") != nil)
                .order(Column("published_at").desc).fetchOne(db)
        }
    }

    /// Jobs whose scratch folders must be kept: waiting, working, or failed with an attempt left.
    public func jobsKeepingScratch() async throws -> Set<Int64> {
        try await pool.read { db in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM video_processing_jobs
                    WHERE state IN ('discovered', 'stable', 'probing', 'transcoding', 'uploading', 'distributing')
                        OR (state = 'failed' AND next_attempt_at IS NOT NULL)
                    """
            )
            return Set(ids)
        }
    }
}

extension SQLiteStore {
    public func sourceFile(id: Int64) async throws -> SourceFileRecord? {
        try await pool.read { db in try SourceFileRecord.fetchOne(db, key: id) }
    }

    /// Records where `on_success` moved the source, so a later re-publish finds it.
    public func moveSource(job id: Int64, to path: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE video_processing_jobs SET source_path = ? WHERE id = ?",
                arguments: [path, id]
            )
            try db.execute(
                sql: """
                    UPDATE source_files SET path = ?
                    WHERE id = (SELECT source_file_id FROM video_processing_jobs WHERE id = ?)
                    """,
                arguments: [path, id]
            )
        }
    }

    /// The last step of a publication, in one transaction: `revision` is the live one and the job is published.
    /// (Split in two, a crash between them would make the next run take the live revision for an old one.)
    @discardableResult
    public func completePublication(
        job id: Int64,
        revision: String,
        policy: RetryPolicy,
        at now: Date,
        claim: JobClaim?
    ) async throws -> JobRecord {
        try await write { db in
            try db.execute(
                sql: "UPDATE video_processing_jobs SET published_revision = ?, published_at = ? WHERE id = ?",
                arguments: [revision, now, id]
            )
            return try self.apply(.published, toJob: id, policy: policy, at: now, claim: claim, db: db)
        }
    }
}
