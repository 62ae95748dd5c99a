import Foundation
import GRDB

/// The per-object upload journal (`video_uploads` rows with a `sha256`): every object the pipeline put in the
/// store, so a restart skips what is already there and a cancelled publication can remove what it left. Each commit
/// lands before the next object is uploaded.
extension SQLiteStore {
    /// True when exactly this content was already stored under `key` (full key) in this store.
    public func objectStored(storeURL: String, key: String, sha256: String) async throws -> Bool {
        try await pool.read { db in
            try UploadRecord
                .filter(Column("store_url") == storeURL && Column("object_key") == key)
                .filter(Column("sha256") == sha256 && Column("state") == UploadRecord.State.completed.rawValue)
                .fetchCount(db) > 0
        }
    }

    public func recordStoredObject(
        job: Int64?,
        storeURL: String,
        key: String,
        localPath: String,
        size: Int64,
        sha256: String,
        etag: String,
        at now: Date
    ) async throws {
        try await pool.write { db in
            var record = UploadRecord(
                jobId: job,
                storeUrl: storeURL,
                objectKey: key,
                localPath: localPath,
                totalSize: size,
                uploadId: nil,
                partSize: nil,
                sourceMtimeNs: nil,
                at: now
            )
            record.state = .completed
            record.etag = etag
            record.sha256 = sha256
            record.completedAt = now
            try record.insert(db)
        }
    }

    /// Full keys stored under `keyPrefix` and not deleted since: by one job (its unpublished revision, when it is
    /// cancelled), or by any (everything the agent put under a video's folder, when a publication replaces it).
    public func storedKeys(job: Int64?, storeURL: String, keyPrefix: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT object_key FROM video_uploads
                    WHERE (? IS NULL OR job_id = ?) AND store_url = ? AND state = 'completed' AND sha256 IS NOT NULL
                        AND substr(object_key, 1, ?) = ?
                    ORDER BY object_key
                    """,
                arguments: [job, job, storeURL, keyPrefix.count, keyPrefix]
            )
        }
    }

    /// The objects under these full keys are gone from the store.
    public func markDeleted(storeURL: String, keys: [String], at now: Date) async throws {
        try await pool.write { db in
            for key in keys {
                try db.execute(
                    sql: """
                        UPDATE video_uploads SET state = 'deleted', updated_at = ?
                        WHERE store_url = ? AND object_key = ? AND state = 'completed'
                        """,
                    arguments: [now, storeURL, key]
                )
            }
        }
    }

    /// Marks a job's unfinished multipart uploads abandoned, for `retry-sweep` to abort on the server.
    public func abandonUploads(job: Int64, at now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE video_uploads SET state = 'abandoned', updated_at = ?
                    WHERE job_id = ? AND state = 'uploading' AND upload_id IS NOT NULL
                    """,
                arguments: [now, job]
            )
        }
    }
}
