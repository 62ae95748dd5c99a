import Foundation
import GRDB

/// The upload journal: each finished part is committed before the upload moves on.
extension SQLiteStore {
    /// The unfinished multipart upload of exactly this file version to this key, if any (newest first).
    public func resumableUpload(
        storeURL: String,
        objectKey: String,
        localPath: String,
        totalSize: Int64,
        sourceMtimeNs: Int64?
    ) async throws -> UploadRecord? {
        try await pool.read { db in
            try UploadRecord
                .filter(
                    Column("store_url") == storeURL && Column("object_key") == objectKey
                        && Column("local_path") == localPath && Column("total_size") == totalSize
                        && Column("source_mtime_ns") == sourceMtimeNs
                        && Column("state") == UploadRecord.State.uploading.rawValue
                        && Column("upload_id") != nil
                )
                .order(Column("id").desc)
                .fetchOne(db)
        }
    }

    public func insertUpload(_ upload: UploadRecord) async throws -> UploadRecord {
        try await write { db in
            var upload = upload
            try upload.insert(db)
            return upload
        }
    }

    /// Commits one finished part and touches the upload, so an active upload never looks abandoned.
    public func recordUploadPart(_ part: UploadPartRecord) async throws {
        try await write { db in
            try part.upsert(db)
            try db.execute(
                sql: "UPDATE video_uploads SET updated_at = ? WHERE id = ?",
                arguments: [part.completedAt, part.uploadId]
            )
        }
    }

    public func uploadParts(ofUpload id: Int64) async throws -> [UploadPartRecord] {
        try await pool.read { db in
            try UploadPartRecord.filter(Column("upload_id") == id).order(Column("part_number")).fetchAll(db)
        }
    }

    /// Moves an upload to `state`; `completed` also records the object's ETag and completion time.
    public func setUploadState(_ id: Int64, _ state: UploadRecord.State, etag: String?, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE video_uploads SET state = ?, etag = COALESCE(?, etag), updated_at = ?,
                        completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
                    WHERE id = ?
                    """,
                arguments: [state.rawValue, etag, now, state.rawValue, now, id]
            )
        }
    }

    public func upload(id: Int64) async throws -> UploadRecord? {
        try await pool.read { db in try UploadRecord.fetchOne(db, key: id) }
    }

    /// Multipart uploads `retry-sweep` should abort: marked abandoned, or still `uploading` with no progress
    /// since `cutoff`.
    public func staleUploads(storeURL: String, updatedBefore cutoff: Date) async throws -> [UploadRecord] {
        try await pool.read { db in
            try UploadRecord
                .filter(Column("store_url") == storeURL && Column("upload_id") != nil)
                .filter(
                    Column("state") == UploadRecord.State.abandoned.rawValue
                        || (Column("state") == UploadRecord.State.uploading.rawValue && Column("updated_at") < cutoff)
                )
                .order(Column("id"))
                .fetchAll(db)
        }
    }

    /// Every S3 upload id the journal knows for a store, whatever its state.
    public func knownUploadIds(storeURL: String) async throws -> Set<String> {
        try await pool.read { db in
            let ids = try String.fetchAll(
                db,
                sql: "SELECT upload_id FROM video_uploads WHERE store_url = ? AND upload_id IS NOT NULL",
                arguments: [storeURL]
            )
            return Set(ids)
        }
    }
}
