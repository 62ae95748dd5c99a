import Foundation
import IngestCore

/// `s3://bucket/prefix`: small objects with one PUT, objects at or above the multipart threshold as resumable
/// multipart uploads journaled in `journal`. `Content-Type` and `Cache-Control` follow the object's kind.
public struct S3Store: ObjectStore {
    public let client: S3Client
    public let prefix: String
    public let journal: any UploadJournal
    public let partSize: Int64
    public let multipartThreshold: Int64
    public let concurrency: Int

    public init(
        client: S3Client,
        prefix: String,
        journal: any UploadJournal,
        partSize: Int64,
        multipartThreshold: Int64,
        concurrency: Int
    ) {
        self.client = client
        self.prefix = prefix
        self.journal = journal
        self.partSize = partSize
        self.multipartThreshold = multipartThreshold
        self.concurrency = concurrency
    }

    public var journalURL: String { "s3://\(client.bucket)" }

    public func fullKey(_ key: String) -> String { StoreLocation.join(prefix, key) }

    public func put(file: String, key: String) async throws -> StoredObject {
        let store = self
        return try await runBlocking { () throws(S3Error) -> StoredObject in
            try store.putBlocking(file: file, key: key, jobId: nil, events: { _ in })
        }
    }

    public func makeUploader() throws -> any ObjectUploader {
        Uploader(store: self, connection: try client.connect())
    }

    /// One thread's uploads over one kept-alive connection.
    struct Uploader: ObjectUploader {
        let store: S3Store
        let connection: S3Connection

        func put(
            file: String,
            key: String,
            jobId: Int64?,
            isCancelled: @escaping @Sendable () -> Bool
        ) throws -> StoredObject {
            do {
                return try store.putBlocking(
                    file: file,
                    key: key,
                    jobId: jobId,
                    connection: connection,
                    isCancelled: isCancelled,
                    events: { _ in }
                )
            } catch {
                if isCancelled() { throw UploadCancelled() }
                throw error
            }
        }
    }

    /// Writes a probe object twice with `If-None-Match: *`: a store that honours the condition refuses the second
    /// write with 412. The probe is removed again.
    public func probeConditionalWrites() async -> ConditionalWriteSupport {
        let store = self
        let key = fullKey(".reel-ingest/conditional-write-probe-" + UUID().uuidString.lowercased())
        return await runBlocking { () -> ConditionalWriteSupport in
            do {
                let connection = try store.client.connect()
                defer { try? connection.deleteObject(key: key) }
                let probe = Array("probe".utf8)
                try connection.putObject(key: key, bytes: probe, condition: .absent)
                do {
                    try connection.putObject(key: key, bytes: probe, condition: .absent)
                    return .unavailable("the S3 store ignores If-None-Match (a second write of one key went through)")
                } catch let error as S3Error {
                    guard case .service(_, 412, _, _, _, _) = error else { throw error }
                    return .honoured(S3ConditionalWriter(store: store))
                }
            } catch {
                return .unavailable("the probe of conditional writes failed: \(error)")
            }
        }
    }

    public func delete(_ keys: [String]) throws {
        guard !keys.isEmpty else { return }
        let connection = try client.connect()
        for key in keys { try connection.deleteObject(key: fullKey(key)) }
    }

    /// Blocking upload of one file (call from a dedicated thread).
    public func putBlocking(
        file: String,
        key relativeKey: String,
        jobId: Int64?,
        connection reused: S3Connection? = nil,
        isCancelled: @escaping @Sendable () -> Bool = { false },
        events: @escaping @Sendable (UploadEvent) -> Void
    ) throws(S3Error) -> StoredObject {
        let key = StoreLocation.join(prefix, relativeKey)
        let kind = ObjectKind(key: key)
        var info = stat()
        guard file.withFileSystemPath({ stat($0, &info) }) == 0 else {
            throw .localFile("cannot stat \(file.readablePath): \(String(cString: strerror(errno)))")
        }
        let size = Int64(info.st_size)
        if size < multipartThreshold {
            let connection: S3Connection
            if let reused { connection = reused } else { connection = try client.connect() }
            let etag = try connection.putObject(
                key: key,
                file: file,
                contentType: ContentType.forKey(key),
                cacheControl: kind.cacheControl,
                // Once the whole body is out, the server stores the object whether or not this side waits for
                // its answer: the PUT runs to its end, so the object is known (and journaled) rather than stored
                // behind a delete that reached the server first.
                progress: { sent in sent >= size || !isCancelled() }
            )
            return StoredObject(key: key, size: size, etag: etag)
        }
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let upload = MultipartUpload(
            client: client,
            journal: journal,
            target: UploadTarget(
                storeURL: "s3://\(client.bucket)",
                key: key,
                localPath: file,
                size: size,
                mtimeNs: mtime,
                jobId: jobId
            ),
            partSize: partSize,
            concurrency: concurrency,
            contentType: ContentType.forKey(key),
            cacheControl: kind.cacheControl,
            isCancelled: isCancelled
        )
        let summary = try upload.run(events: events)
        return StoredObject(key: key, size: size, etag: summary.etag)
    }
}

/// `video.json` reads and conditional writes on S3.
struct S3ConditionalWriter: ConditionalWriter {
    let store: S3Store

    func read(key: String) async throws -> FetchedObject? {
        let (client, full) = (store.client, store.fullKey(key))
        return try await runBlocking { () throws(S3Error) -> FetchedObject? in
            try client.connect().getObject(key: full).map { FetchedObject(bytes: $0.bytes, etag: $0.etag) }
        }
    }

    func write(_ bytes: [UInt8], key: String, condition: WriteCondition) async throws -> StoredObject {
        let (client, full) = (store.client, store.fullKey(key))
        let kind = ObjectKind(key: full)
        do {
            let etag = try await runBlocking { () throws(S3Error) -> String in
                try client.connect().putObject(
                    key: full,
                    bytes: bytes,
                    condition: condition,
                    cacheControl: kind.cacheControl
                )
            }
            return StoredObject(key: full, size: Int64(bytes.count), etag: etag)
        } catch {
            // If-Match on a key that is gone answers 404 on some servers (moto): the object is not the one seen.
            if case .service(_, let status, _, _, _, _) = error, status == 412 || status == 404 {
                throw PreconditionFailed(key: full)
            }
            throw error
        }
    }
}
