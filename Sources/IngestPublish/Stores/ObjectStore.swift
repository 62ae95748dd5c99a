import IngestCore

/// What a store reports for one stored object.
public struct StoredObject: Sendable, Equatable, Codable {
    public var key: String
    public var size: Int64
    /// The S3 ETag, or the hex MD5 for the file store.
    public var etag: String

    public init(key: String, size: Int64, etag: String) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// The publisher stopped an upload on purpose (the job was cancelled or the agent is stopping): not a failure of
/// the store, and never retried.
public struct UploadCancelled: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "upload cancelled" }
}

/// A place published objects go: `file:///dir` or `s3://bucket/prefix`. Keys are relative to the store's prefix.
public protocol ObjectStore: Sendable {
    /// The store as the upload journal names it: `s3://bucket` or `file:///dir`.
    var journalURL: String { get }
    /// The full key of `key` in the bucket (the store's prefix joined in), as the journal and listings see it.
    func fullKey(_ key: String) -> String
    /// Stores one local file under `key`, atomically from a reader's point of view.
    func put(file: String, key: String) async throws -> StoredObject
    /// An uploader for the calling thread (S3: one reused connection). Keep it on that thread.
    func makeUploader() throws -> any ObjectUploader
    /// Deletes objects by relative key; a missing one is not an error. Blocking.
    func delete(_ keys: [String]) throws
    /// Whether the store honours conditional writes, found by trying one: asked once, at start.
    func probeConditionalWrites() async -> ConditionalWriteSupport
}

/// Uploads on one thread. `isCancelled` is polled while bytes flow; when it turns true the upload stops with
/// `UploadCancelled` (a multipart upload keeps its finished parts for a later resume). A request whose body has all
/// been sent is waited for: the server may store it whatever the client does next.
public protocol ObjectUploader {
    func put(
        file: String,
        key: String,
        jobId: Int64?,
        isCancelled: @escaping @Sendable () -> Bool
    ) throws -> StoredObject
}

extension ObjectStore {
    /// Stores a whole publish set in `PublishOrder`: each batch completes before the next starts, so no manifest is
    /// visible before the objects it names, and `video.json` is last. `files` maps keys to local paths.
    public func publish(_ files: [String: String]) async throws -> [StoredObject] {
        var stored: [StoredObject] = []
        for batch in PublishOrder.batches(Array(files.keys).sorted()) {
            for key in batch {
                guard let file = files[key] else { continue }
                stored.append(try await put(file: file, key: key))
            }
        }
        return stored
    }
}
