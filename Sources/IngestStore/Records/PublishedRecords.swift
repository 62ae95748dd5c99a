import Foundation
import GRDB

/// A row of `video_formats`: one thing a publication offers a player: the HLS master playlist (`hls`), the DASH
/// manifest (`dash`), each rendition's media playlist (`rendition`), the progressive MP4 (`mp4`), the archived
/// original (`original`). Per revision.
public struct FormatRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_formats"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case jobId = "job_id"
        case kind
        case rendition
        case renditionHeight = "rendition_height"
        case width
        case height
        case codecs
        case bandwidth
        case averageBandwidth = "average_bandwidth"
        case frameRate = "frame_rate"
        case duration
        case objectKey = "object_key"
        case bytes
        case sha256
        case revision
        case url
        case createdAt = "created_at"
    }

    public var id: Int64?
    public var jobId: Int64
    /// hls, dash, rendition, mp4, original.
    public var kind: String
    /// The rendition's id (`v1080`, `audio`) for renditions and the MP4.
    public var rendition: String?
    public var renditionHeight: Int?
    public var width: Int?
    public var height: Int?
    public var codecs: String?
    /// Peak and average bits per second, measured.
    public var bandwidth: Int?
    public var averageBandwidth: Int?
    public var frameRate: Double?
    public var duration: Double?
    /// The object's key in the store (prefix included).
    public var objectKey: String
    /// Bytes of the object, or of every object of a rendition (init, segments, playlist).
    public var bytes: Int64?
    public var sha256: String?
    public var revision: String?
    /// Where a player gets it: through the CDN when one is configured, else nil.
    public var url: String?
    public var createdAt: Date

    public init(jobId: Int64, kind: String, objectKey: String, revision: String?, at now: Date) {
        self.jobId = jobId
        self.kind = kind
        self.objectKey = objectKey
        self.revision = revision
        self.createdAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `video_thumbnails`: one published JPEG (a position at one width, or the poster). Per revision.
public struct ThumbnailRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_thumbnails"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case jobId = "job_id"
        case position
        case atSeconds = "at_seconds"
        case width
        case height
        case objectKey = "object_key"
        case bytes
        case sha256
        case revision
        case url
        case createdAt = "created_at"
    }

    public var id: Int64?
    public var jobId: Int64
    /// `p10` (10 % of the duration), `s12.5` (12.5 s) or `poster`.
    public var position: String
    public var atSeconds: Double
    public var width: Int
    public var height: Int
    public var objectKey: String
    public var bytes: Int64?
    public var sha256: String?
    public var revision: String?
    public var url: String?
    public var createdAt: Date

    public init(
        jobId: Int64,
        position: String,
        atSeconds: Double,
        width: Int,
        height: Int,
        objectKey: String,
        revision: String?,
        at now: Date
    ) {
        self.jobId = jobId
        self.position = position
        self.atSeconds = atSeconds
        self.width = width
        self.height = height
        self.objectKey = objectKey
        self.revision = revision
        self.createdAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `video_cdn_cache`: one purge, invalidation or pre-warm request and what the CDN answered.
public struct CDNActionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_cdn_cache"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case jobId = "job_id"
        case url
        case action
        case status
        case httpStatus = "http_status"
        case cacheStatus = "cache_status"
        case revision
        case attempts
        case error
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// `status` values.
    public enum Status: String, Codable, Sendable {
        case ok
        /// Failed after its retries; `retry-sweep` tries it again.
        case failed
    }

    public var id: Int64?
    public var jobId: Int64
    public var url: String
    /// purge, ban, invalidate, prewarm.
    public var action: String
    public var status: Status
    public var httpStatus: Int?
    /// The cache status header the CDN answered with (`X-Cache`, `CF-Cache-Status`, ...): HIT, MISS, ...
    public var cacheStatus: String?
    public var revision: String?
    public var attempts: Int
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date?

    public init(jobId: Int64, url: String, action: String, revision: String?, at now: Date) {
        self.jobId = jobId
        self.url = url
        self.action = action
        self.status = .ok
        self.revision = revision
        self.attempts = 1
        self.createdAt = now
        self.updatedAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `video_analytics`: one measurement of a job (stage seconds, bytes per format, retries, errors by kind).
public struct AnalyticsRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_analytics"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case jobId = "job_id"
        case metric
        case value
        case format
        case detail
        case recordedAt = "recorded_at"
    }

    public var id: Int64?
    public var jobId: Int64?
    /// `stage_seconds`, `bytes`, `objects`, `upload_seconds`, `retries`, `error`, `encode_fps`, ...
    public var metric: String
    public var value: Double
    /// The format or stage the value is about (`v1080`, `audio`, `mp4`, `thumbnails`, `transcoding`, ...).
    public var format: String?
    /// The error kind for `error` rows, free text otherwise.
    public var detail: String?
    public var recordedAt: Date

    public init(jobId: Int64?, metric: String, value: Double, format: String? = nil, detail: String? = nil, at: Date) {
        self.jobId = jobId
        self.metric = metric
        self.value = value
        self.format = format
        self.detail = detail
        self.recordedAt = at
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
