import Foundation
import IngestCore

/// The upload journal: multipart uploads with their parts, and every object the pipeline put in the store.
extension PostgresStore {
    static let uploads = "video_uploads"

    public func resumableUpload(
        storeURL: String,
        objectKey: String,
        localPath: String,
        totalSize: Int64,
        sourceMtimeNs: Int64?
    ) async throws -> UploadRecord? {
        try await read { session in
            try await session.fetchOne(
                UploadRecord.self,
                """
                SELECT * FROM video_uploads
                WHERE store_url = ? AND object_key = ? AND local_path = ? AND total_size = ?
                    AND source_mtime_ns IS NOT DISTINCT FROM ? AND state = 'uploading' AND upload_id IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """,
                [storeURL, objectKey, localPath, totalSize, sourceMtimeNs]
            )
        }
    }

    public func insertUpload(_ upload: UploadRecord) async throws -> UploadRecord {
        try await write { session, _ in
            var upload = upload
            upload.id = try await session.insert(upload, into: Self.uploads)
            return upload
        }
    }

    public func recordUploadPart(_ part: UploadPartRecord) async throws {
        try await write { session, _ in
            try await session.execute(
                """
                INSERT INTO video_upload_parts (upload_id, part_number, etag, size, md5, crc32, completed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (upload_id, part_number) DO UPDATE SET etag = EXCLUDED.etag, size = EXCLUDED.size,
                    md5 = EXCLUDED.md5, crc32 = EXCLUDED.crc32, completed_at = EXCLUDED.completed_at
                """,
                [part.uploadId, part.partNumber, part.etag, part.size, part.md5, part.crc32, part.completedAt]
            )
            try await session.execute(
                "UPDATE video_uploads SET updated_at = ? WHERE id = ?",
                [part.completedAt, part.uploadId]
            )
        }
    }

    public func uploadParts(ofUpload id: Int64) async throws -> [UploadPartRecord] {
        try await read { session in
            try await session.fetchAll(
                UploadPartRecord.self,
                "SELECT * FROM video_upload_parts WHERE upload_id = ? ORDER BY part_number",
                [id]
            )
        }
    }

    public func setUploadState(_ id: Int64, _ state: UploadRecord.State, etag: String?, at now: Date) async throws {
        try await write { session, _ in
            try await session.execute(
                """
                UPDATE video_uploads SET state = ?, etag = COALESCE(?, etag), updated_at = ?,
                    completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END
                WHERE id = ?
                """,
                [state, etag, now, state, now, id]
            )
        }
    }

    public func upload(id: Int64) async throws -> UploadRecord? {
        try await read { session in
            try await session.fetchOne(UploadRecord.self, "SELECT * FROM video_uploads WHERE id = ?", [id])
        }
    }

    public func staleUploads(storeURL: String, updatedBefore cutoff: Date) async throws -> [UploadRecord] {
        try await read { session in
            try await session.fetchAll(
                UploadRecord.self,
                """
                SELECT * FROM video_uploads
                WHERE store_url = ? AND upload_id IS NOT NULL
                    AND (state = 'abandoned' OR (state = 'uploading' AND updated_at < ?))
                ORDER BY id
                """,
                [storeURL, cutoff]
            )
        }
    }

    public func knownUploadIds(storeURL: String) async throws -> Set<String> {
        try await read { session in
            Set(
                try await session.column(
                    String.self,
                    "SELECT upload_id FROM video_uploads WHERE store_url = ? AND upload_id IS NOT NULL",
                    [storeURL]
                )
            )
        }
    }

    public func objectStored(storeURL: String, key: String, sha256: String) async throws -> Bool {
        try await read { session in
            try await session.scalar(
                Int64.self,
                """
                SELECT 1::bigint FROM video_uploads
                WHERE store_url = ? AND object_key = ? AND sha256 = ? AND state = 'completed' LIMIT 1
                """,
                [storeURL, key, sha256]
            ) != nil
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
        let record = UploadRecord.object(
            job: job,
            storeURL: storeURL,
            key: key,
            localPath: localPath,
            size: size,
            stored: nil,
            at: now
        )
        _ = try await insertUpload(record)
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
        let record = UploadRecord.object(
            job: job,
            storeURL: storeURL,
            key: key,
            localPath: localPath,
            size: size,
            stored: (sha256, etag),
            at: now
        )
        try await write { session, _ in
            let changed = try await session.changes(
                """
                UPDATE video_uploads
                SET state = 'completed', etag = ?, sha256 = ?, completed_at = ?, updated_at = ?, total_size = ?
                WHERE id = (
                    SELECT id FROM video_uploads
                    WHERE store_url = ? AND object_key = ? AND job_id IS NOT DISTINCT FROM ? AND state = 'putting'
                    ORDER BY id DESC LIMIT 1
                )
                RETURNING 1
                """,
                [etag, sha256, now, now, size, storeURL, key, job]
            )
            if changed == 0 { _ = try await session.insert(record, into: Self.uploads) }
        }
    }

    public func storedKeys(job: Int64?, storeURL: String, keyPrefix: String) async throws -> [String] {
        let byJob = job == nil ? "" : "job_id = ? AND"
        let arguments: [any SQLBindable] = (job.map { [$0] } ?? []) + [storeURL, keyPrefix]
        return try await read { session in
            try await session.column(
                String.self,
                """
                SELECT DISTINCT object_key FROM video_uploads
                WHERE \(byJob) store_url = ?
                    AND ((state = 'completed' AND sha256 IS NOT NULL) OR state = 'putting')
                    AND starts_with(object_key, ?)
                ORDER BY object_key
                """,
                arguments
            )
        }
    }

    public func markDeleted(storeURL: String, keys: [String], at now: Date) async throws {
        guard !keys.isEmpty else { return }
        try await write { session, _ in
            var start = 0
            while start < keys.count {
                let batch = keys[start..<min(start + 1000, keys.count)]
                try await session.execute(
                    """
                    UPDATE video_uploads SET state = 'deleted', updated_at = ?
                    WHERE store_url = ? AND object_key IN (\(marks(batch.count)))
                        AND state IN ('completed', 'putting')
                    """,
                    [now, storeURL] + batch.map { $0 as any SQLBindable }
                )
                start += batch.count
            }
        }
    }

    public func abandonUploads(job: Int64, at now: Date) async throws {
        try await write { session, _ in
            try await session.execute(
                """
                UPDATE video_uploads SET state = 'abandoned', updated_at = ?
                WHERE job_id = ? AND state = 'uploading' AND upload_id IS NOT NULL
                """,
                [now, job]
            )
        }
    }

    public func lastStoreWrite() async throws -> Date? {
        try await read { session in
            try await session.scalar(Date.self, "SELECT MAX(completed_at) FROM video_uploads")
        }
    }
}
