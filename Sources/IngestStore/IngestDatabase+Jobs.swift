import Foundation
import GRDB
import IngestCore

extension IngestDatabase {
    /// Creates a job in `discovered` with its first stage row, in one transaction.
    public func insertJob(_ new: NewJob, at now: Date = Date()) async throws -> JobRecord {
        try await pool.write { db in try self.insertJob(new, at: now, db: db) }
    }

    func insertJob(_ new: NewJob, at now: Date, db: Database) throws -> JobRecord {
        var job = JobRecord(
            id: nil,
            // A placeholder until the content hash is known (`claimContent` sets the content-derived id).
            videoId: UUID().uuidString.lowercased(),
            sourceFileId: new.sourceFileId,
            sourcePath: new.sourcePath,
            watchName: new.watchName,
            profile: new.profile,
            priority: new.priority,
            state: .discovered,
            attempts: 0,
            metadata: new.metadata,
            createdAt: now,
            updatedAt: now
        )
        try job.insert(db)
        guard let id = job.id else { throw StoreError.jobNotFound(0) }
        var stage = StageRecord(
            jobId: id,
            fromState: nil,
            toState: .discovered,
            event: "discovered",
            attempt: 0,
            message: new.sourcePath,
            createdAt: now
        )
        try stage.insert(db)
        emitAfterCommit(
            JobUpdate(
                kind: .transition,
                jobId: id,
                videoId: job.videoId,
                state: .discovered,
                event: "discovered",
                message: new.sourcePath,
                attempts: 0,
                sourcePath: job.sourcePath,
                watchName: job.watchName,
                at: now
            ),
            db: db
        )
        return job
    }

    /// Applies one event: the state machine decides, and the new state plus its stage row commit together.
    /// Throws `IllegalTransition` (nothing written) when the current state does not allow the event.
    @discardableResult
    public func apply(
        _ event: JobEvent,
        toJob id: Int64,
        policy: RetryPolicy,
        at now: Date = Date()
    ) async throws -> JobRecord {
        try await pool.write { db in try self.apply(event, toJob: id, policy: policy, at: now, db: db) }
    }

    func apply(_ event: JobEvent, toJob id: Int64, policy: RetryPolicy, at now: Date, db: Database) throws
        -> JobRecord
    {
        guard var job = try JobRecord.fetchOne(db, key: id) else { throw StoreError.jobNotFound(id) }
        var lifecycle = job.lifecycle
        let transition = try lifecycle.apply(event, at: now, policy: policy)
        job.adopt(lifecycle, at: now)
        if case .retry(manual: true) = event, job.checkedAt == nil {
            // An admin's retry vouches for the file (rejected by intake before its checks finished, say): the
            // pipeline's own probe stage checks it again.
            job.checkedAt = now
        }
        if transition.from.isActive || transition.to.isActive {
            // Progress belongs to the stage that just ended.
            job.progress = nil
            job.etaSeconds = nil
        }
        try job.update(db)
        if transition.from.isActive {
            try closeStage(
                of: id,
                state: transition.from,
                to: transition.to,
                event: event,
                message: transition.message,
                at: now,
                db: db
            )
        }
        var stage = StageRecord(
            jobId: id,
            fromState: transition.from,
            toState: transition.to,
            event: transition.event,
            attempt: transition.attempt,
            message: transition.message,
            createdAt: now
        )
        try stage.insert(db)
        emitAfterCommit(
            JobUpdate(
                kind: .transition,
                jobId: id,
                videoId: job.videoId,
                state: transition.to,
                from: transition.from,
                event: transition.event,
                message: transition.message,
                attempts: transition.attempt,
                sourcePath: job.sourcePath,
                watchName: job.watchName,
                at: now
            ),
            db: db
        )
        return job
    }

    /// Ends the open stage row of `state`: when, how, and the error if it failed.
    private func closeStage(
        of id: Int64,
        state: JobState,
        to next: JobState,
        event: JobEvent,
        message: String?,
        at now: Date,
        db: Database
    ) throws {
        let outcome: String
        switch next {
        case .failed: outcome = "failed"
        case .cancelled: outcome = "cancelled"
        case .rejected: outcome = "rejected"
        case .stable:
            if case .waitForRoom = event { outcome = "waiting" } else { outcome = "interrupted" }
        default: outcome = "ok"
        }
        let error = ["failed", "rejected", "cancelled", "interrupted", "waiting"].contains(outcome) ? message : nil
        try db.execute(
            sql: """
                UPDATE video_processing_stages SET finished_at = ?, outcome = ?, error = ?
                WHERE id = (SELECT MAX(id) FROM video_processing_stages WHERE job_id = ? AND to_state = ?)
                    AND finished_at IS NULL
                """,
            arguments: [now, outcome, error, id, state.rawValue]
        )
    }

    /// Hands `update` to subscribers once the enclosing transaction has committed (never for a rollback).
    func emitAfterCommit(_ update: JobUpdate, db: Database) {
        let updates = self.updates
        db.afterNextTransaction { _ in updates.emit(update) }
    }

    /// Records the running stage's percent and ETA (the transcoder reports them about once a second).
    public func setProgress(job id: Int64, percent: Double, etaSeconds: Double?, at now: Date = Date()) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE video_processing_jobs SET progress = ?, eta_seconds = ?, updated_at = ?
                    WHERE id = ? AND state IN ('probing', 'transcoding', 'uploading', 'distributing')
                    """,
                arguments: [percent, etaSeconds, now, id]
            )
            guard db.changesCount > 0, let job = try JobRecord.fetchOne(db, key: id) else { return }
            self.emitAfterCommit(
                JobUpdate(
                    kind: .progress,
                    jobId: id,
                    videoId: job.videoId,
                    state: job.state,
                    percent: percent,
                    etaSeconds: etaSeconds,
                    attempts: job.attempts,
                    sourcePath: job.sourcePath,
                    watchName: job.watchName,
                    at: now
                ),
                db: db
            )
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
    public func jobs(state: JobState? = nil, limit: Int) async throws -> [JobRecord] {
        try await pool.read { db in
            var request = JobRecord.all()
            if let state { request = request.filter(Column("state") == state.rawValue) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Failed jobs whose next attempt is due, oldest due first.
    public func dueRetries(at now: Date, limit: Int = 1000) async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord
                .filter(Column("state") == JobState.failed.rawValue && Column("next_attempt_at") <= now)
                .order(Column("next_attempt_at"))
                .limit(limit)
                .fetchAll(db)
        }
    }
}
