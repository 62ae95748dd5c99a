import IngestCore

/// What a store reports for one stored object.
public struct StoredObject: Sendable, Equatable, Codable {
    public var key: String
    public var size: Int64
    /// The S3 ETag, or the hex MD5 for the file store.
    public var etag: String
}

/// A place published objects go: `file:///dir` or `s3://bucket/prefix`. Keys are relative to the store's prefix.
public protocol ObjectStore: Sendable {
    /// Stores one local file under `key`, atomically from a reader's point of view.
    func put(file: String, key: String) async throws -> StoredObject
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
