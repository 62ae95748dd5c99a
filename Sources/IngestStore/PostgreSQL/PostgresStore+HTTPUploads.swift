import Foundation
import IngestCore

/// Uploads over HTTP (tus and the chunked upload API) and their hand-off to intake.
extension PostgresStore {
    static let httpUploads = "video_http_uploads"

    public func insertHTTPUpload(_ upload: HTTPUploadRecord) async throws {
        try await write { session, _ in
            try await session.insert(upload, into: Self.httpUploads, returningID: false)
        }
    }

    public func httpUpload(id: String) async throws -> HTTPUploadRecord? {
        try await read { session in
            try await session.fetchOne(HTTPUploadRecord.self, "SELECT * FROM video_http_uploads WHERE id = ?", [id])
        }
    }

    public func advanceHTTPUpload(id: String, from expected: Int64, to received: Int64, expiresAt: Date, at now: Date)
        async throws -> Bool
    {
        try await write { session, _ in
            try await session.changes(
                """
                UPDATE video_http_uploads SET received_bytes = ?, updated_at = ?, expires_at = ?,
                    state = CASE WHEN ?::bigint >= total_size THEN 'received' ELSE state END,
                    completed_at = CASE WHEN ?::bigint >= total_size THEN ?::timestamptz ELSE completed_at END
                WHERE id = ? AND received_bytes = ? AND state = 'receiving'
                RETURNING 1
                """,
                [received, now, expiresAt, received, received, now, id, expected]
            ) > 0
        }
    }

    public func setHTTPUploadState(
        id: String,
        _ state: HTTPUploadRecord.State,
        finalPath: String?,
        jobId: Int64?,
        error: String?,
        at now: Date
    ) async throws {
        try await write { session, _ in
            try await session.execute(
                """
                UPDATE video_http_uploads SET state = ?, final_path = COALESCE(?, final_path),
                    job_id = COALESCE(?, job_id), error = ?, updated_at = ? WHERE id = ?
                """,
                [state, finalPath, jobId, error, now, id]
            )
        }
    }

    public func httpUploads(in state: HTTPUploadRecord.State, limit: Int) async throws -> [HTTPUploadRecord] {
        try await read { session in
            try await session.fetchAll(
                HTTPUploadRecord.self,
                "SELECT * FROM video_http_uploads WHERE state = ? ORDER BY created_at LIMIT ?",
                [state, limit]
            )
        }
    }

    public func expiredHTTPUploads(at now: Date, limit: Int) async throws -> [HTTPUploadRecord] {
        try await read { session in
            try await session.fetchAll(
                HTTPUploadRecord.self,
                """
                SELECT * FROM video_http_uploads WHERE state = 'receiving' AND expires_at <= ?
                ORDER BY expires_at LIMIT ?
                """,
                [now, limit]
            )
        }
    }

    public func expireHTTPUpload(id: String, at now: Date) async throws -> Bool {
        try await write { session, _ in
            try await session.changes(
                """
                UPDATE video_http_uploads SET state = 'expired', updated_at = ?
                WHERE id = ? AND state = 'receiving' AND expires_at <= ?
                RETURNING 1
                """,
                [now, id, now]
            ) > 0
        }
    }

    public func httpUploadsAwaitingChecks() async throws -> [HTTPUploadRecord] {
        try await read { session in
            try await session.fetchAll(
                HTTPUploadRecord.self,
                """
                SELECT u.* FROM video_http_uploads u JOIN video_processing_jobs j ON j.id = u.job_id
                WHERE u.state = 'handed_off' AND j.state = 'stable' AND j.checked_at IS NULL
                ORDER BY u.created_at
                """
            )
        }
    }

    public func recordUploadedFile(
        _ file: FileObservation,
        upload id: String,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> (job: JobRecord, sourceId: Int64, recorded: Bool) {
        try await write { session, pending in
            let result: (JobRecord, Int64, Bool)
            if let new = try await recordStable(
                file,
                watch: watch,
                metadata: metadata,
                policy: policy,
                at: now,
                session,
                pending
            ) {
                result = (new.job, new.sourceId, true)
            } else {
                guard let sourceId = try await sourceVersion(file.stored(in: watch), watch: watch, session)?.id,
                    let job = try await session.fetchOne(
                        JobRecord.self,
                        "SELECT * FROM video_processing_jobs WHERE source_file_id = ? ORDER BY id DESC LIMIT 1",
                        [sourceId]
                    )
                else { throw StoreError.jobNotFound(0) }
                result = (job, sourceId, false)
            }
            try await session.execute(
                """
                UPDATE video_http_uploads SET state = 'handed_off', job_id = ?, final_path = ?, updated_at = ?
                WHERE id = ?
                """,
                [result.0.id, file.path, now, id]
            )
            return result
        }
    }
}
