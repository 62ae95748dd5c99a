import Foundation
import GRDB
import IngestCore

extension SQLiteStore {
    /// Creates a job in `discovered` with its first stage row, in one transaction.
    public func insertJob(_ new: NewJob, at now: Date) async throws -> JobRecord {
        try await write { db in try self.insertJob(new, at: now, db: db) }
    }

    func insertJob(_ new: NewJob, at now: Date, db: Database) throws -> JobRecord {
        var job = JobRecord.discovered(new, at: now)
        try job.insert(db)
        guard let id = job.id else { throw StoreError.jobNotFound(0) }
        var (stage, update) = job.discoveredRows(id: id, at: now)
        try stage.insert(db)
        emitAfterCommit(update, db: db)
        return job
    }

    /// Applies one event: the state machine decides, and the new state plus its stage row commit together.
    /// Throws `IllegalTransition` (nothing written) when the current state does not allow the event.
    @discardableResult
    public func apply(
        _ event: JobEvent,
        toJob id: Int64,
        policy: RetryPolicy,
        at now: Date,
        claim: JobClaim?
    ) async throws -> JobRecord {
        try await write { db in try self.apply(event, toJob: id, policy: policy, at: now, claim: claim, db: db) }
    }

    func apply(
        _ event: JobEvent,
        toJob id: Int64,
        policy: RetryPolicy,
        at now: Date,
        claim: JobClaim? = nil,
        db: Database
    ) throws -> JobRecord {
        guard let current = try JobRecord.fetchOne(db, key: id) else { throw StoreError.jobNotFound(id) }
        var applied = try AppliedEvent(event, to: current, id: id, policy: policy, at: now, claim: claim)
        try applied.job.update(db)
        if let arguments = applied.closeStageArguments(id: id, at: now) {
            try db.execute(sql: AppliedEvent.closeStageSQL, arguments: StatementArguments(sql: arguments))
        }
        try applied.stage.insert(db)
        emitAfterCommit(applied.update, db: db)
        return applied.job
    }

    /// Hands `update` to subscribers once the enclosing transaction has committed (never for a rollback).
    func emitAfterCommit(_ update: JobUpdate, db: Database) {
        let updates = self.updates
        db.afterNextTransaction { _ in updates.emit(update) }
    }

    /// Records the running stage's percent and ETA (the transcoder reports them about once a second).
    public func setProgress(job id: Int64, percent: Double, etaSeconds: Double?, at now: Date, claim: JobClaim?)
        async throws
    {
        try await write { db in
            var sql = """
                UPDATE video_processing_jobs SET progress = ?, eta_seconds = ?, updated_at = ?
                WHERE id = ? AND state IN ('probing', 'transcoding', 'uploading', 'distributing')
                """
            var arguments: [any SQLBindable] = [percent, etaSeconds, now, id]
            if let claim {
                sql += " AND claimed_by = ? AND fence = ?"
                arguments += [claim.agent, claim.fence]
            }
            try db.execute(sql: sql, arguments: StatementArguments(sql: arguments))
            guard db.changesCount > 0, let job = try JobRecord.fetchOne(db, key: id) else { return }
            let update = JobUpdate.progress(of: job, id: id, percent: percent, etaSeconds: etaSeconds, at: now)
            self.emitAfterCommit(update, db: db)
        }
    }

    public func job(id: Int64) async throws -> JobRecord? {
        try await pool.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    /// A job's history, oldest first.
    public func stages(ofJob id: Int64) async throws -> [StageRecord] {
        try await pool.read { db in
            try StageRecord.filter(Column("job_id") == id).order(Column("id")).fetchAll(db)
        }
    }

    /// Newest first, optionally only in one state.
    public func jobs(state: JobState?, limit: Int) async throws -> [JobRecord] {
        try await pool.read { db in
            var request = JobRecord.all()
            if let state { request = request.filter(Column("state") == state.rawValue) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Failed jobs whose next attempt is due, oldest due first.
    public func dueRetries(at now: Date, limit: Int) async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord
                .filter(Column("state") == JobState.failed.rawValue && Column("next_attempt_at") <= now)
                .order(Column("next_attempt_at"))
                .limit(limit)
                .fetchAll(db)
        }
    }
}
