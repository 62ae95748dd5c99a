import Foundation
import Hummingbird
import IngestCore
import IngestStore
import Metrics
import Synchronization

/// The bytes of HTTP uploads (tus and the chunked upload API share it): one file per upload under the upload directory,
/// one row in `video_http_uploads`. A chunk is written, fsynced, and only then is the new offset committed and
/// acknowledged, so an acknowledged byte survives a crash and a resumed client sends only what is missing.
final class UploadStore: Sendable {
    let database: any JobStore
    let directory: String
    let expiry: Duration
    /// Uploads a request is writing right now: a second writer of the same upload is refused, not interleaved.
    private let busy = Mutex<Set<String>>([])
    private let receivedBytes = Counter(label: "reel_ingest_upload_received_bytes_total")

    /// Bytes gathered before each write: few system calls, memory bounded per request whatever the file size.
    static let writeBatch = 2 * 1_048_576

    init(database: any JobStore, directory: String, expiry: Duration) {
        self.database = database
        self.directory = directory
        self.expiry = expiry
    }

    func create(_ new: NewUpload, protocol kind: HTTPUploadRecord.UploadProtocol, tusMetadata: String?) async throws
        -> HTTPUploadRecord
    {
        let (directory, folder) = (self.directory, new.watch.path)
        let (free, folderThere) = try await runBlocking { () throws -> (Int64?, Bool) in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return (UploadFile.freeBytes(at: directory), FileManager.default.fileExists(atPath: folder))
        }
        // A share that is not mounted would only fail the hand-off at the end of a long upload.
        guard folderThere else {
            throw APIError(.conflict, "the folder of watch \(new.watch.name) is missing (not mounted?): try later")
        }
        if let free, free < new.size {
            throw APIError(
                HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"),
                "not enough free space for \(Units.formatBytes(new.size)) in \(directory): "
                    + "\(Units.formatBytes(free)) left"
            )
        }
        let id = Self.newID()
        let path = directory + "/" + id + ".upload"
        try await runBlocking { () throws(UploadIOError) in try UploadFile.create(path) }
        let now = Date()
        let row = HTTPUploadRecord(
            id: id,
            protocol: kind,
            filename: new.filename,
            watchName: new.watch.name,
            metadata: new.metadataJSON,
            uploadMetadata: tusMetadata,
            totalSize: new.size,
            dataPath: path,
            expiresAt: now.addingTimeInterval(expiry.timeInterval),
            at: now
        )
        try await database.insertHTTPUpload(row)
        return row
    }

    /// The upload `id`, if the id is well-formed and known.
    func find(_ id: String) async throws -> HTTPUploadRecord {
        guard Self.isValidID(id) else { throw APIError.notFound("no upload with id \(id.prefix(64))") }
        guard let row = try await database.httpUpload(id: id) else {
            throw APIError.notFound("no upload with id \(id)")
        }
        return row
    }

    /// Appends a request body at `offset`. Refuses a wrong offset (409, with the current one), bytes past the
    /// declared size, a body over `limit`, and with a checksum, a body whose digest differs (460: nothing kept).
    /// A body cut short (client gone, agent stopping) keeps and acknowledges what arrived, unless a checksum was
    /// asked for.
    func append(
        id: String,
        offset: Int64,
        body: RequestBody,
        checksum: UploadChecksum?,
        limit: Int64?,
        killPoint: KillPoint
    ) async throws -> HTTPUploadRecord {
        guard busy.withLock({ $0.insert(id).inserted }) else {
            throw APIError(.conflict, "another request is writing to upload \(id); retry when it has finished")
        }
        defer { _ = busy.withLock { $0.remove(id) } }
        let row = try await find(id)
        try Self.checkWritable(row, offset: offset)
        let remaining = row.totalSize - offset
        let path = row.dataPath(in: directory)
        let file = try await runBlocking { () throws(UploadIOError) -> UploadFile in
            try UploadFile(path: path, offset: offset)
        }
        var hasher = checksum.map { UploadChecksum.Hasher($0.algorithm) }
        var pending = ByteBuffer()
        pending.reserveCapacity(Self.writeBatch)
        var written: Int64 = 0
        // Why the body ended early: the client went away, the agent is stopping, or a write failed (the disk filled).
        var interruption: (any Error)? = nil
        do {
            for try await chunk in body {
                let incoming = Int64(pending.readableBytes + chunk.readableBytes)
                if written + incoming > remaining {
                    throw APIError(
                        .contentTooLarge,
                        "the body runs past the upload's declared size of \(row.totalSize) bytes"
                    )
                }
                if let limit, written + incoming > limit {
                    throw APIError(.contentTooLarge, "a chunk may carry at most \(limit) bytes (api.max_chunk_size)")
                }
                pending.writeImmutableBuffer(chunk)
                if pending.readableBytes >= Self.writeBatch {
                    written += try await flush(&pending, to: file, hasher: &hasher)
                }
            }
        } catch let error as APIError {
            try await runBlocking { () throws(UploadIOError) in try file.truncate(to: offset) }
            throw error
        } catch {
            interruption = error
        }
        do {
            written += try await flush(&pending, to: file, hasher: &hasher)
        } catch {
            interruption = interruption ?? error
        }
        if interruption is UploadIOError {
            // A failed write may have left part of its batch past what was written whole: not kept, and its room
            // is given back.
            let kept = offset + written
            try await runBlocking { () throws(UploadIOError) in try file.truncate(to: kept) }
        }
        if let checksum, let hasher {
            guard interruption == nil, hasher.finalize() == checksum.expected else {
                try await runBlocking { () throws(UploadIOError) in try file.truncate(to: offset) }
                if let interruption { throw Self.refusal(interruption, offset: offset) }
                throw APIError(
                    HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch"),
                    "the chunk's \(checksum.algorithm.rawValue) does not match Upload-Checksum: send it again",
                    details: ["offset": offset]
                )
            }
        }
        try await sync(file, refusingFrom: offset)
        killPoint.reached()
        let now = Date()
        let advanced = try await database.advanceHTTPUpload(
            id: id,
            from: offset,
            to: offset + written,
            expiresAt: now.addingTimeInterval(expiry.timeInterval),
            at: now
        )
        guard advanced else { throw APIError(.conflict, "upload \(id) changed while this chunk was written") }
        receivedBytes.increment(by: Int(written))
        if let interruption { throw Self.refusal(interruption, offset: offset + written) }
        return try await find(id)
    }

    /// Makes the written bytes durable. Some filesystems find out only here that the bytes have no room: then none
    /// of the request is kept and the client hears 507 with the offset it started from.
    private func sync(_ file: UploadFile, refusingFrom offset: Int64) async throws {
        do {
            try await runBlocking { () throws(UploadIOError) in try file.sync() }
        } catch {
            guard error.isNoRoom else { throw error }
            try? await runBlocking { () throws(UploadIOError) in try file.truncate(to: offset) }
            throw Self.refusal(error, offset: offset)
        }
    }

    /// A full upload directory as the client should hear it: 507, what is kept, and where to resume once there is
    /// room (the upload stays open). Other errors as they are.
    static func refusal(_ error: any Error, offset: Int64) -> any Error {
        guard let error = error as? UploadIOError, error.isNoRoom else { return error }
        return APIError(
            HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"),
            "the upload directory is full: \(offset) bytes are kept; resume from there once there is room",
            details: ["offset": offset]
        )
    }

    /// Removes the bytes of an upload and marks it `state` (terminated by its client, or expired).
    func discard(_ row: HTTPUploadRecord, as state: HTTPUploadRecord.State) async throws {
        guard busy.withLock({ $0.insert(row.id).inserted }) else {
            throw APIError(.conflict, "upload \(row.id) is being written; retry when that request has finished")
        }
        defer { _ = busy.withLock { $0.remove(row.id) } }
        try await database.setHTTPUploadState(id: row.id, state)
        let path = row.dataPath(in: directory)
        _ = await runBlocking { unlink(path) }
    }

    private func flush(
        _ pending: inout ByteBuffer,
        to file: UploadFile,
        hasher: inout UploadChecksum.Hasher?
    ) async throws -> Int64 {
        let count = pending.readableBytes
        guard count > 0 else { return 0 }
        let batch = pending
        pending.clear()
        batch.withUnsafeReadableBytes { hasher?.update($0) }
        try await runBlocking { () throws(UploadIOError) in
            try batch.withUnsafeReadableBytes { (bytes) throws(UploadIOError) in try file.write(bytes) }
        }
        return Int64(count)
    }

    static func checkWritable(_ row: HTTPUploadRecord, offset: Int64) throws(APIError) {
        switch row.state {
        case .receiving:
            break
        case .received, .handedOff:
            throw APIError(.conflict, "upload \(row.id) is already complete", details: ["offset": row.receivedBytes])
        case .expired, .terminated, .failed:
            throw APIError(.gone, "upload \(row.id) is \(row.state.rawValue): start a new upload")
        }
        guard row.expiresAt > Date() else {
            throw APIError(.gone, "upload \(row.id) expired at \(row.expiresAt): start a new upload")
        }
        guard offset == row.receivedBytes else {
            throw APIError(
                .conflict,
                "offset \(offset) does not match the upload's \(row.receivedBytes) bytes received: "
                    + "resume from \(row.receivedBytes)",
                details: ["offset": row.receivedBytes]
            )
        }
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
