import Foundation
import GRDB
import IngestCore

extension SQLiteStore {
    public func insertHTTPUpload(_ upload: HTTPUploadRecord) async throws {
        try await write { db in
            var row = upload
            try row.insert(db)
        }
    }

    public func httpUpload(id: String) async throws -> HTTPUploadRecord? {
        try await pool.read { db in try HTTPUploadRecord.fetchOne(db, key: id) }
    }

    /// Records bytes that are already on disk and fsynced. Only moves forward from `expected`, so a stale writer
    /// cannot move the offset back; returns false when the row was not at `expected` any more.
    public func advanceHTTPUpload(
        id: String,
        from expected: Int64,
        to received: Int64,
        expiresAt: Date,
        at now: Date
    ) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE video_http_uploads SET received_bytes = ?, updated_at = ?, expires_at = ?,
                        state = CASE WHEN ? >= total_size THEN 'received' ELSE state END,
                        completed_at = CASE WHEN ? >= total_size THEN ? ELSE completed_at END
                    WHERE id = ? AND received_bytes = ? AND state = 'receiving'
                    """,
                arguments: [received, now, expiresAt, received, received, now, id, expected]
            )
            return db.changesCount > 0
        }
    }

    /// Moves an upload to `state` (and records where its file went, its job, or why it failed).
    public func setHTTPUploadState(
        id: String,
        _ state: HTTPUploadRecord.State,
        finalPath: String?,
        jobId: Int64?,
        error: String?,
        at now: Date
    ) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE video_http_uploads SET state = ?, final_path = COALESCE(?, final_path),
                        job_id = COALESCE(?, job_id), error = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [state.rawValue, finalPath, jobId, error, now, id]
            )
        }
    }

    /// Uploads in `state`, oldest first (start-up resumes `received` hand-offs).
    public func httpUploads(in state: HTTPUploadRecord.State, limit: Int) async throws -> [HTTPUploadRecord] {
        try await pool.read { db in
            try HTTPUploadRecord.filter(Column("state") == state.rawValue).order(Column("created_at")).limit(limit)
                .fetchAll(db)
        }
    }

    /// Incomplete uploads whose expiry has passed.
    public func expiredHTTPUploads(at now: Date, limit: Int) async throws -> [HTTPUploadRecord] {
        try await pool.read { db in
            try HTTPUploadRecord
                .filter(Column("state") == HTTPUploadRecord.State.receiving.rawValue && Column("expires_at") <= now)
                .order(Column("expires_at")).limit(limit).fetchAll(db)
        }
    }

    /// Marks an incomplete upload expired, unless a client finished or resumed it meanwhile; true when it did.
    public func expireHTTPUpload(id: String, at now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE video_http_uploads SET state = 'expired', updated_at = ?
                    WHERE id = ? AND state = 'receiving' AND expires_at <= ?
                    """,
                arguments: [now, id, now]
            )
            return db.changesCount > 0
        }
    }
}

extension SQLiteStore {
    /// Handed-off uploads whose job still waits for intake's checks (not marked checked): the agent stopped
    /// between recording the job and checking it.
    public func httpUploadsAwaitingChecks() async throws -> [HTTPUploadRecord] {
        try await pool.read { db in
            try HTTPUploadRecord.fetchAll(
                db,
                sql: """
                    SELECT u.* FROM video_http_uploads u JOIN video_processing_jobs j ON j.id = u.job_id
                    WHERE u.state = 'handed_off' AND j.state = 'stable' AND j.checked_at IS NULL
                    ORDER BY u.created_at
                    """
            )
        }
    }

    /// Records an uploaded file moved into its watch folder: source row and job (`stable`) as for a settled file,
    /// and the upload `handed_off` with its job, in one transaction. When the watcher recorded this exact file
    /// version first, its job is adopted instead (`recorded` false): one file, one job, whoever saw it first.
    public func recordUploadedFile(
        _ file: FileObservation,
        upload id: String,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> (job: JobRecord, sourceId: Int64, recorded: Bool) {
        try await write { db in
            let result: (JobRecord, Int64, Bool)
            if let new = try self.recordStable(file, watch: watch, metadata: metadata, policy: policy, at: now, db: db)
            {
                result = (new.job, new.sourceId, true)
            } else {
                let source = try self.sourceVersion(file.stored(in: watch), watch: watch, db: db)
                guard let sourceId = source?.id,
                    let job = try JobRecord.filter(Column("source_file_id") == sourceId).order(Column("id").desc)
                        .fetchOne(db)
                else { throw StoreError.jobNotFound(0) }
                result = (job, sourceId, false)
            }
            try db.execute(
                sql: """
                    UPDATE video_http_uploads SET state = 'handed_off', job_id = ?, final_path = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [result.0.id, file.path, now, id]
            )
            return result
        }
    }
}
