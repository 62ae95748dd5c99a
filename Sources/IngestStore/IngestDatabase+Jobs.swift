import Foundation
import GRDB
import IngestCore

extension IngestDatabase {
    /// Creates a job in `discovered` with its first stage row, in one transaction.
    public func insertJob(_ new: NewJob, at now: Date = Date()) async throws -> JobRecord {
        try await pool.write { db in try Self.insertJob(new, at: now, db: db) }
    }

    static func insertJob(_ new: NewJob, at now: Date, db: Database) throws -> JobRecord {
        var job = JobRecord(
            id: nil,
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
        try await pool.write { db in try Self.apply(event, toJob: id, policy: policy, at: now, db: db) }
    }

    static func apply(_ event: JobEvent, toJob id: Int64, policy: RetryPolicy, at now: Date, db: Database) throws
        -> JobRecord
    {
        guard var job = try JobRecord.fetchOne(db, key: id) else { throw StoreError.jobNotFound(id) }
        var lifecycle = job.lifecycle
        let transition = try lifecycle.apply(event, at: now, policy: policy)
        job.adopt(lifecycle, at: now)
        try job.update(db)
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
        return job
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
