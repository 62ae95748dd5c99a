import Foundation
import GRDB

/// A row of `video_http_uploads`: one file sent to the agent over HTTP (tus or the chunked upload API).
/// `received_bytes` only ever counts bytes already fsynced, so an acknowledged offset survives a crash.
public struct HTTPUploadRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_http_uploads"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case `protocol`
        case filename
        case watchName = "watch_name"
        case metadata
        case uploadMetadata = "upload_metadata"
        case totalSize = "total_size"
        case receivedBytes = "received_bytes"
        case state
        case dataPath = "data_path"
        case finalPath = "final_path"
        case jobId = "job_id"
        case error
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case expiresAt = "expires_at"
        case completedAt = "completed_at"
    }

    public enum State: String, Codable, Sendable, CaseIterable {
        /// Bytes are arriving (or the client paused).
        case receiving
        /// Every byte is here; the file is being handed to intake.
        case received
        /// Moved into its watch folder and recorded as `job_id`.
        case handedOff = "handed_off"
        /// Past `expires_at` before it was complete; its bytes were removed by `retry-sweep`.
        case expired
        /// Deleted by its client (tus termination).
        case terminated
        /// Could not be handed to intake (`error` says why).
        case failed
    }

    public enum UploadProtocol: String, Codable, Sendable {
        case tus
        /// The chunked upload API (initiate/chunk/complete).
        case chunked

        /// Rows from before migration v6 say "seed" for `chunked`; an agent of that age may still write one while a
        /// newer `reel-ingest` command has already migrated the database.
        public init(from decoder: any Decoder) throws {
            let stored = try decoder.singleValueContainer().decode(String.self)
            guard let kind = stored == "seed" ? .chunked : Self(rawValue: stored) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "unknown upload protocol \(stored)")
                )
            }
            self = kind
        }
    }

    /// 32 hex characters, random: the id is the only thing a client needs to resume.
    public var id: String
    public var `protocol`: UploadProtocol
    public var filename: String
    public var watchName: String
    /// JSON object of the platform's metadata fields, as the job gets them.
    public var metadata: String?
    /// tus `Upload-Metadata` exactly as the client sent it (HEAD returns it).
    public var uploadMetadata: String?
    public var totalSize: Int64
    public var receivedBytes: Int64
    public var state: State
    /// Where the agent that created the upload keeps its bytes; another agent finds them with `dataPath(in:)`.
    public var dataPath: String
    public var finalPath: String?
    public var jobId: Int64?
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
    public var completedAt: Date?

    public init(
        id: String,
        protocol: UploadProtocol,
        filename: String,
        watchName: String,
        metadata: String?,
        uploadMetadata: String?,
        totalSize: Int64,
        dataPath: String,
        expiresAt: Date,
        at now: Date
    ) {
        self.id = id
        self.protocol = `protocol`
        self.filename = filename
        self.watchName = watchName
        self.metadata = metadata
        self.uploadMetadata = uploadMetadata
        self.totalSize = totalSize
        self.receivedBytes = 0
        self.state = .receiving
        self.dataPath = dataPath
        self.expiresAt = expiresAt
        self.createdAt = now
        self.updatedAt = now
    }
}

extension HTTPUploadRecord {
    /// The upload's bytes in `directory`, this agent's upload folder: on a shared filesystem every agent of a
    /// fleet sees the same file under its own mount, so a client may resume against any of them.
    public func dataPath(in directory: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + (dataPath as NSString).lastPathComponent
    }
}
