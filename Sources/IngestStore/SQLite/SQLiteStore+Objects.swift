import Foundation
import GRDB

/// The per-object upload journal (`video_uploads` rows with a `sha256`): every object the pipeline put in the
/// store, so a restart skips what is already there and a cancelled publication can remove what it left. An intent
/// row (`putting`) lands before each object is sent and becomes the completed row after, so an object whose agent
/// died mid-send is still somebody's to remove.
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

    public func recordIntendedObject(
        job: Int64?,
        storeURL: String,
        key: String,
        localPath: String,
        size: Int64,
        at now: Date
    ) async throws {
        try await write { db in
            var record = UploadRecord.object(
                job: job,
                storeURL: storeURL,
                key: key,
                localPath: localPath,
                size: size,
                stored: nil,
                at: now
            )
            try record.insert(db)
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
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE video_uploads
                    SET state = 'completed', etag = ?, sha256 = ?, completed_at = ?, updated_at = ?, total_size = ?
                    WHERE id = (
                        SELECT id FROM video_uploads
                        WHERE store_url = ? AND object_key = ? AND job_id IS ? AND state = 'putting'
                        ORDER BY id DESC LIMIT 1
                    )
                    """,
                arguments: [etag, sha256, now, now, size, storeURL, key, job]
            )
            if db.changesCount > 0 { return }
            var record = UploadRecord.object(
                job: job,
                storeURL: storeURL,
                key: key,
                localPath: localPath,
                size: size,
                stored: (sha256, etag),
                at: now
            )
            try record.insert(db)
        }
    }

    public func storedKeys(job: Int64?, storeURL: String, keyPrefix: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT object_key FROM video_uploads
                    WHERE (? IS NULL OR job_id = ?) AND store_url = ?
                        AND ((state = 'completed' AND sha256 IS NOT NULL) OR state = 'putting')
                        AND substr(object_key, 1, ?) = ?
                    ORDER BY object_key
                    """,
                arguments: [job, job, storeURL, keyPrefix.count, keyPrefix]
            )
        }
    }

    public func markDeleted(storeURL: String, keys: [String], at now: Date) async throws {
        try await write { db in
            for key in keys {
                try db.execute(
                    sql: """
                        UPDATE video_uploads SET state = 'deleted', updated_at = ?
                        WHERE store_url = ? AND object_key = ? AND state IN ('completed', 'putting')
                        """,
                    arguments: [now, storeURL, key]
                )
            }
        }
    }

    /// Marks a job's unfinished multipart uploads abandoned, for `retry-sweep` to abort on the server.
    public func abandonUploads(job: Int64, at now: Date) async throws {
        try await write { db in
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
