import Foundation
import GRDB

/// A row of `video_uploads`: one object going to a store. Multipart uploads carry their S3 upload id and part
/// size, so a crashed upload can be resumed (or aborted by `retry-sweep`).
public struct UploadRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_uploads"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case jobId = "job_id"
        case storeUrl = "store_url"
        case objectKey = "object_key"
        case localPath = "local_path"
        case totalSize = "total_size"
        case uploadId = "upload_id"
        case partSize = "part_size"
        case etag
        case state
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case completedAt = "completed_at"
        case sourceMtimeNs = "source_mtime_ns"
        case checksumAlgorithm = "checksum_algorithm"
        case sha256
    }

    /// `state` values.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Parts are going up (or the process stopped while they were).
        case uploading
        /// An object is being stored (or the process died while it was): it may exist, so clean-ups remove its key.
        case putting
        case completed
        /// Given up on: `retry-sweep` aborts it on the server.
        case abandoned
        /// Aborted on the server; nothing left to clean up.
        case aborted
        /// The object was stored, then deleted (a replaced revision): storing it again must really send it.
        case deleted
    }

    public var id: Int64?
    public var jobId: Int64?
    public var storeUrl: String
    public var objectKey: String
    public var localPath: String
    public var totalSize: Int64
    public var uploadId: String?
    public var partSize: Int64?
    public var etag: String?
    public var state: State
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?
    public var sourceMtimeNs: Int64?
    /// `CRC32` when the upload was created with that checksum algorithm (every part and the completion carry it).
    public var checksumAlgorithm: String?
    /// The object's SHA-256 once stored (per-object journal of the pipeline; nil for multipart bookkeeping rows).
    public var sha256: String?

    public init(
        jobId: Int64? = nil,
        storeUrl: String,
        objectKey: String,
        localPath: String,
        totalSize: Int64,
        uploadId: String?,
        partSize: Int64?,
        sourceMtimeNs: Int64?,
        at now: Date
    ) {
        self.jobId = jobId
        self.storeUrl = storeUrl
        self.objectKey = objectKey
        self.localPath = localPath
        self.totalSize = totalSize
        self.uploadId = uploadId
        self.partSize = partSize
        self.state = .uploading
        self.createdAt = now
        self.updatedAt = now
        self.sourceMtimeNs = sourceMtimeNs
    }

    /// A row of the per-object journal: an object about to be sent (`putting`), or stored (`completed`, with its
    /// SHA-256 and ETag).
    static func object(
        job: Int64?,
        storeURL: String,
        key: String,
        localPath: String,
        size: Int64,
        stored: (sha256: String, etag: String)?,
        at now: Date
    ) -> UploadRecord {
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
        record.state = .putting
        if let stored {
            record.state = .completed
            record.sha256 = stored.sha256
            record.etag = stored.etag
            record.completedAt = now
        }
        return record
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `video_upload_parts`: one part the server acknowledged, committed as soon as it finished.
public struct UploadPartRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "video_upload_parts"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case uploadId = "upload_id"
        case partNumber = "part_number"
        case etag
        case size
        case md5
        case crc32
        case completedAt = "completed_at"
    }

    /// `video_uploads.id` (the row, not the S3 upload id).
    public var uploadId: Int64
    public var partNumber: Int
    /// As the server returned it, quotes included.
    public var etag: String
    public var size: Int64
    /// Lowercase hex MD5 computed locally.
    public var md5: String
    /// The part's CRC-32 as an unsigned value, for uploads created with that checksum.
    public var crc32: Int64?
    public var completedAt: Date

    public init(
        uploadId: Int64,
        partNumber: Int,
        etag: String,
        size: Int64,
        md5: String,
        crc32: Int64? = nil,
        completedAt: Date
    ) {
        self.uploadId = uploadId
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
        self.md5 = md5
        self.crc32 = crc32
        self.completedAt = completedAt
    }
}
