import Foundation
import IngestCore
import IngestPublish
import IngestStore
import IngestWatcher
import Logging
import Metrics

/// One object to put in the store, and who to tell when it is there.
struct UploadItem: Sendable {
    var jobId: Int64
    /// Higher first; FIFO inside a priority.
    var priority: Int
    var file: String
    /// Relative to the store's prefix.
    var key: String
    var isCancelled: @Sendable () -> Bool
    var done: @Sendable (Result<UploadedObject, any Error>) -> Void
}

/// An object that is in the store.
struct UploadedObject: Sendable, Equatable {
    var key: String
    var size: Int64
    var sha256: String
    var etag: String
    /// Already there from an earlier run (same key, same SHA-256): nothing was sent.
    var skipped: Bool
    var seconds: Double
}

/// Every upload of the agent goes through here: `storage.concurrency` dedicated threads (never the cooperative pool),
/// each keeping one store connection alive, taking the highest-priority object first. Each object's SHA-256 is
/// compared with the journal first (a restart sends nothing twice) and journaled once stored.
final class UploadLane: @unchecked Sendable {
    private let store: any ObjectStore
    private let database: any JobStore
    private let logger: Logger
    private let threads: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [(item: UploadItem, sequence: Int)] = []
    private var sequence = 0
    private var stopping = false

    private let bytes = Counter(label: "reel_ingest_uploaded_bytes_total")

    init(store: any ObjectStore, database: any JobStore, threads: Int, logger: Logger) {
        self.store = store
        self.database = database
        self.threads = max(1, threads)
        self.logger = logger
    }

    func start() {
        for index in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "reel-ingest upload \(index + 1)"
            thread.start()
        }
    }

    func submit(_ item: UploadItem) {
        condition.lock()
        if stopping {
            condition.unlock()
            item.done(.failure(UploadCancelled()))
            return
        }
        sequence += 1
        // Keep the queue sorted: priority descending, then submission order.
        let entry = (item: item, sequence: sequence)
        let index =
            queue.firstIndex { $0.item.priority < item.priority }
            ?? queue.endIndex
        queue.insert(entry, at: index)
        condition.signal()
        condition.unlock()
    }

    /// Fails what is still queued with `UploadCancelled` and lets the threads end after their current object.
    func stop() {
        condition.lock()
        stopping = true
        let pending = queue
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
        for entry in pending { entry.item.done(.failure(UploadCancelled())) }
    }

    private func next() -> UploadItem? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        if queue.isEmpty { return nil }
        return queue.removeFirst().item
    }

    private func work() {
        var uploader: (any ObjectUploader)?
        while let item = next() {
            if item.isCancelled() {
                item.done(.failure(UploadCancelled()))
                continue
            }
            do {
                if uploader == nil { uploader = try store.makeUploader() }
                guard let current = uploader else { continue }
                item.done(.success(try upload(item, with: current)))
            } catch {
                // A fresh connection for the next object: this one may be in a bad state.
                uploader = nil
                item.done(.failure(error))
            }
        }
    }

    private func upload(_ item: UploadItem, with uploader: any ObjectUploader) throws -> UploadedObject {
        let started = Date()
        let sha256 = try ContentHasher.sha256(path: item.file)
        let fullKey = store.fullKey(item.key)
        let storeURL = store.journalURL
        guard let info = FileSystemCalls.statFollowingLinks(item.file) else {
            let reason = String(cString: strerror(errno))
            throw StageFailure("cannot read \(item.file.readablePath): \(reason)", kind: .storage)
        }
        let size = Int64(info.st_size)
        let database = database
        if try blockingWait({ try await database.objectStored(storeURL: storeURL, key: fullKey, sha256: sha256) }) {
            return UploadedObject(key: item.key, size: size, sha256: sha256, etag: "", skipped: true, seconds: 0)
        }
        let jobId = item.jobId
        let file = item.file
        // The intent lands first: an agent killed (or cut off from the database) once the object may exist still
        // leaves its key to the clean-ups that list the journal, whoever runs them.
        try blockingWait {
            try await database.recordIntendedObject(
                job: jobId,
                storeURL: storeURL,
                key: fullKey,
                localPath: file,
                size: size
            )
        }
        let stored: StoredObject
        do {
            stored = try uploader.put(file: item.file, key: item.key, jobId: item.jobId, isCancelled: item.isCancelled)
        } catch {
            // A PUT given up on (a stopped job) may still have reached the store whole: nothing would ever name
            // it. The key is this run's alone (a revision is never shared), so it goes.
            if (try? store.delete([item.key])) != nil {
                try? blockingWait { try await database.markDeleted(storeURL: storeURL, keys: [fullKey]) }
            }
            throw error
        }
        KillPoint.betweenStoreAndRecord.reached()
        do {
            try blockingWait {
                try await database.recordStoredObject(
                    job: jobId,
                    storeURL: storeURL,
                    key: fullKey,
                    localPath: file,
                    size: size,
                    sha256: sha256,
                    etag: stored.etag
                )
            }
        } catch {
            // Its record did not land (the database is out of reach, or the job is no longer this agent's): the
            // object goes now; if even that fails, its intent row leaves it to the journal's clean-ups.
            try? store.delete([item.key])
            throw error
        }
        bytes.increment(by: Int64(size))
        let seconds = Date().timeIntervalSince(started)
        logger.debug("stored", metadata: ["job": "\(item.jobId)", "key": "\(fullKey)", "bytes": "\(size)"])
        return UploadedObject(
            key: item.key,
            size: size,
            sha256: sha256,
            etag: stored.etag,
            skipped: false,
            seconds: seconds
        )
    }
}
