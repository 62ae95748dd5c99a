import Foundation
import IngestCore

/// What a multipart upload reports while it runs (from worker threads).
public enum UploadEvent: Sendable, Equatable {
    /// Planning done: `partsDone` parts were already on the server from an earlier run.
    case started(uploadId: String, partCount: Int, partSize: Int64, partsDone: Int, resumed: Bool)
    case partDone(number: Int, size: Int64, etag: String)
    /// Bytes of the file on the server or in flight, out of `total`.
    case bytes(done: Int64, total: Int64)
    case retrying(operation: String, attempt: Int, error: String)
}

public struct UploadSummary: Sendable, Equatable, Codable {
    public var key: String
    public var etag: String
    public var size: Int64
    public var uploadId: String?
    public var partCount: Int
    public var partSize: Int64
    /// Parts found on the server from an earlier run and not sent again.
    public var partsSkipped: Int
    /// Parts sent by this run.
    public var partsSent: Int
    public var resumed: Bool
}

/// A resumable, parallel, verified multipart upload of one file.
///
/// Up to `concurrency` worker threads (never the cooperative pool) each own an `S3Connection` and take the next
/// missing part; every part is streamed from its file region with `Content-MD5` (and S3's CRC-32 checksum unless the
/// store turns it off), its ETag checked against the local MD5 and committed to the journal before the worker moves
/// on. Memory is a 1 MiB hashing buffer and curl's buffers per worker, whatever the file or part size. A rerun after a crash reconciles the journal with
/// `ListParts`, sends only what is missing, then completes.
public struct MultipartUpload: Sendable {
    public let client: S3Client
    public let journal: any UploadJournal
    public let target: UploadTarget
    public let configuredPartSize: Int64
    public let concurrency: Int
    public let contentType: String?
    public let cacheControl: String?
    /// Polled while parts are sent: true stops the upload (finished parts stay journaled for a resume).
    public let isCancelled: @Sendable () -> Bool

    public init(
        client: S3Client,
        journal: any UploadJournal,
        target: UploadTarget,
        partSize: Int64,
        concurrency: Int,
        contentType: String? = nil,
        cacheControl: String? = nil,
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.isCancelled = isCancelled
        self.client = client
        self.journal = journal
        self.target = target
        self.configuredPartSize = partSize
        self.concurrency = max(1, concurrency)
        self.contentType = contentType
        self.cacheControl = cacheControl
    }

    /// Blocking: call it from a dedicated thread (or through `runBlocking`).
    public func run(events: @escaping @Sendable (UploadEvent) -> Void = { _ in }) throws(S3Error) -> UploadSummary {
        let connection = try client.connect()
        connection.onRetry = { attempt, error in
            events(.retrying(operation: "request", attempt: attempt, error: error.description))
        }
        let key = target.key

        var state = try resumeState(connection)
        if state == nil {
            let plan = MultipartPlan(totalSize: target.size, configuredPartSize: configuredPartSize)
            let crc = client.options.checksumCRC32
            let uploadId = try connection.createMultipartUpload(
                key: key,
                contentType: contentType,
                cacheControl: cacheControl,
                checksumCRC32: crc
            )
            let journalId = try journaled {
                try journal.begin(target, uploadId: uploadId, partSize: plan.partSize, checksumCRC32: crc)
            }
            state = ResumeState(
                journalId: journalId,
                uploadId: uploadId,
                plan: plan,
                checksumCRC32: crc,
                done: [:],
                resumed: false
            )
        }
        guard let state else { throw .journal("no upload state") }

        let missing = state.plan.parts.filter { state.done[$0.number] == nil }
        events(
            .started(
                uploadId: state.uploadId,
                partCount: state.plan.partCount,
                partSize: state.plan.partSize,
                partsDone: state.done.count,
                resumed: state.resumed
            )
        )
        let doneBytes = state.done.values.reduce(Int64(0)) { $0 + $1.size }
        let board = PartBoard(parts: missing, doneBytes: doneBytes, total: target.size)
        events(.bytes(done: doneBytes, total: target.size))

        let workers = min(concurrency, missing.count)
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let worker = Thread { [self] in
                defer { group.leave() }
                uploadParts(board: board, state: state, events: events)
            }
            worker.name = "reel-ingest upload"
            worker.start()
        }
        group.wait()
        if let failure = board.failure { throw failure }

        var all = state.done
        for part in board.finished { all[part.number] = part }
        let ordered = state.plan.parts.compactMap { all[$0.number] }
        guard ordered.count == state.plan.partCount else {
            throw .invalidResponse(operation: "UploadPart", detail: "\(ordered.count) of \(state.plan.partCount) parts")
        }
        KillPoint.beforeComplete.reached()
        let etag = try connection.completeMultipartUpload(
            key: key,
            uploadId: state.uploadId,
            parts: ordered.map { ($0.number, $0.etag, state.checksumCRC32 ? $0.crc32 : nil) }
        )
        if client.etagsAreMD5 {
            let expected = FileRegionDigest.multipartETag(partMD5s: ordered.map { Self.bytes(hex: $0.md5) })
            guard etag.replacingOccurrences(of: "\"", with: "") == expected else {
                throw .integrity(operation: "CompleteMultipartUpload", detail: "ETag \(etag), expected \(expected)")
            }
        }
        KillPoint.betweenCompleteAndCommit.reached()
        try journaled { try journal.completed(state.journalId, etag: etag) }
        return UploadSummary(
            key: key,
            etag: etag,
            size: target.size,
            uploadId: state.uploadId,
            partCount: state.plan.partCount,
            partSize: state.plan.partSize,
            partsSkipped: state.done.count,
            partsSent: board.finished.count,
            resumed: state.resumed
        )
    }

    // MARK: Resume

    struct ResumeState: Equatable {
        var journalId: Int64
        var uploadId: String
        var plan: MultipartPlan
        var checksumCRC32: Bool
        var done: [Int: JournaledPart]
        var resumed: Bool
    }

    /// The journal's unfinished upload reconciled with the server: a part counts as done only when the server
    /// lists it with the size and ETag we expect. Parts the server has but the journal missed (a crash between the
    /// server's 200 and our commit) are adopted when their ETag equals the local MD5.
    private func resumeState(_ connection: S3Connection) throws(S3Error) -> ResumeState? {
        guard let previous = try journaled({ try journal.resumable(target) }) else { return nil }
        let listed: [ListedPart]
        do {
            listed = try connection.listParts(key: target.key, uploadId: previous.uploadId)
        } catch {
            guard error.code == "NoSuchUpload" else { throw error }
            try journaled { try journal.aborted(previous.journalId) }
            return nil
        }
        let plan = MultipartPlan(totalSize: target.size, fixedPartSize: previous.partSize)
        let journaledParts = try journaled { try journal.parts(of: previous.journalId) }
        let byNumber = Dictionary(journaledParts.map { ($0.number, $0) }, uniquingKeysWith: { _, last in last })
        var done: [Int: JournaledPart] = [:]
        for server in listed where server.number >= 1 && server.number <= plan.partCount {
            let expected = plan.part(server.number)
            guard server.size == expected.length else { continue }
            if let local = byNumber[server.number], local.etag == server.etag,
                local.crc32 != nil || !previous.checksumCRC32
            {
                done[server.number] = local
                continue
            }
            let digest = try connection.digest(target.localPath, offset: expected.offset, length: expected.length)
            if !client.etagsAreMD5 || server.etag.replacingOccurrences(of: "\"", with: "") == digest.hex {
                let part = JournaledPart(
                    number: server.number,
                    etag: server.etag,
                    size: server.size,
                    md5: digest.hex,
                    crc32: digest.crc32
                )
                try journaled { try journal.record(part, of: previous.journalId) }
                done[server.number] = part
            }
        }
        return ResumeState(
            journalId: previous.journalId,
            uploadId: previous.uploadId,
            plan: plan,
            checksumCRC32: previous.checksumCRC32,
            done: done,
            resumed: true
        )
    }

    // MARK: Workers

    private func uploadParts(board: PartBoard, state: ResumeState, events: @escaping @Sendable (UploadEvent) -> Void) {
        let connection: S3Connection
        do {
            connection = try client.connect()
        } catch {
            board.fail(error)
            return
        }
        connection.onRetry = { attempt, error in
            events(.retrying(operation: "part upload", attempt: attempt, error: error.description))
        }
        while let part = board.next() {
            do {
                let digest = try connection.digest(target.localPath, offset: part.offset, length: part.length)
                let etag = try connection.uploadPart(
                    key: target.key,
                    uploadId: state.uploadId,
                    partNumber: part.number,
                    file: target.localPath,
                    offset: part.offset,
                    length: part.length,
                    digest: digest,
                    sendCRC32: state.checksumCRC32
                ) { sent in
                    if let done = board.progress(part: part.number, sent: sent) {
                        events(.bytes(done: done, total: target.size))
                    }
                    return !board.hasFailed && !isCancelled()
                }
                let record = JournaledPart(
                    number: part.number,
                    etag: etag,
                    size: part.length,
                    md5: digest.hex,
                    crc32: digest.crc32
                )
                try journaled { try journal.record(record, of: state.journalId) }
                KillPoint.midPart.reached()
                let done = board.finish(record)
                events(.partDone(number: part.number, size: part.length, etag: etag))
                events(.bytes(done: done, total: target.size))
            } catch {
                board.fail(error)
                return
            }
        }
    }

    private func journaled<T>(_ work: () throws -> T) throws(S3Error) -> T {
        do {
            return try work()
        } catch {
            throw .journal(String(describing: error))
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }
}

/// The shared work list of one upload's workers: parts still to send, bytes in flight, the first failure.
final class PartBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [MultipartPlan.Part]
    private var inFlight: [Int: Int64] = [:]
    private var doneBytes: Int64
    private let total: Int64
    private(set) var finishedParts: [JournaledPart] = []
    private var firstFailure: S3Error?

    init(parts: [MultipartPlan.Part], doneBytes: Int64, total: Int64) {
        self.queue = parts.reversed()
        self.doneBytes = doneBytes
        self.total = total
    }

    /// The next part to send, or nil when none is left or a worker failed (the others stop after their part).
    func next() -> MultipartPlan.Part? {
        lock.withLock {
            guard firstFailure == nil else { return nil }
            return queue.popLast()
        }
    }

    /// Records in-flight bytes; returns the new total (nil if nothing changed).
    func progress(part: Int, sent: Int64) -> Int64? {
        lock.withLock {
            guard inFlight[part] != sent else { return nil }
            inFlight[part] = sent
            return doneBytes + inFlight.values.reduce(0, +)
        }
    }

    func finish(_ part: JournaledPart) -> Int64 {
        lock.withLock {
            inFlight[part.number] = nil
            doneBytes += part.size
            finishedParts.append(part)
            return doneBytes + inFlight.values.reduce(0, +)
        }
    }

    func fail(_ error: S3Error) {
        lock.withLock {
            if firstFailure == nil { firstFailure = error }
        }
    }

    var hasFailed: Bool { lock.withLock { firstFailure != nil } }
    var failure: S3Error? { lock.withLock { firstFailure } }
    var finished: [JournaledPart] { lock.withLock { finishedParts } }
}
