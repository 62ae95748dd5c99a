/// Where multipart progress is made durable. A protocol rather than a dependency on IngestStore: IngestPublish
/// stays free of GRDB, and IngestAgent adapts the SQLite tables (`DatabaseUploadJournal`). Methods are
/// synchronous because they are called from upload worker threads, each commit before the next part.
public protocol UploadJournal: Sendable {
    /// The unfinished upload of exactly this file version to this key, if any.
    func resumable(_ target: UploadTarget) throws -> JournaledUpload?
    /// Records a freshly created multipart upload; returns the journal's id for it.
    func begin(_ target: UploadTarget, uploadId: String, partSize: Int64, checksumCRC32: Bool) throws -> Int64
    func parts(of journalId: Int64) throws -> [JournaledPart]
    func record(_ part: JournaledPart, of journalId: Int64) throws
    func completed(_ journalId: Int64, etag: String) throws
    /// The server no longer has it (aborted, expired): never resume it.
    func aborted(_ journalId: Int64) throws
}

/// What is being uploaded, as the journal identifies it.
public struct UploadTarget: Sendable, Equatable {
    /// `s3://bucket` (the store, without key).
    public var storeURL: String
    public var key: String
    public var localPath: String
    public var size: Int64
    /// Modification time in nanoseconds: a rewritten file is a new upload.
    public var mtimeNs: Int64?
    public var jobId: Int64?

    public init(storeURL: String, key: String, localPath: String, size: Int64, mtimeNs: Int64?, jobId: Int64? = nil) {
        self.storeURL = storeURL
        self.key = key
        self.localPath = localPath
        self.size = size
        self.mtimeNs = mtimeNs
        self.jobId = jobId
    }
}

public struct JournaledUpload: Sendable, Equatable {
    public var journalId: Int64
    public var uploadId: String
    public var partSize: Int64
    /// Created with `x-amz-checksum-algorithm: CRC32`: every part and the completion must carry CRCs.
    public var checksumCRC32: Bool

    public init(journalId: Int64, uploadId: String, partSize: Int64, checksumCRC32: Bool) {
        self.journalId = journalId
        self.uploadId = uploadId
        self.partSize = partSize
        self.checksumCRC32 = checksumCRC32
    }
}

public struct JournaledPart: Sendable, Equatable {
    public var number: Int
    /// As the server returned it (quoted).
    public var etag: String
    public var size: Int64
    /// Lowercase hex.
    public var md5: String
    /// The part's CRC-32 (nil for uploads without a declared checksum).
    public var crc32: UInt32?

    public init(number: Int, etag: String, size: Int64, md5: String, crc32: UInt32? = nil) {
        self.number = number
        self.etag = etag
        self.size = size
        self.md5 = md5
        self.crc32 = crc32
    }
}
