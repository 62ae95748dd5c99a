import Foundation
import IngestPublish

/// An in-memory journal for tests that do not look at the database.
final class MemoryJournal: UploadJournal, @unchecked Sendable {
    private let lock = NSLock()
    private var uploads: [Int64: (target: UploadTarget, upload: JournaledUpload, done: Bool)] = [:]
    private var partsByUpload: [Int64: [Int: JournaledPart]] = [:]
    private var nextId: Int64 = 1

    func resumable(_ target: UploadTarget) throws -> JournaledUpload? {
        lock.withLock { uploads.values.first { $0.target == target && !$0.done }?.upload }
    }

    func begin(_ target: UploadTarget, uploadId: String, partSize: Int64, checksumCRC32: Bool) throws -> Int64 {
        lock.withLock {
            let id = nextId
            nextId += 1
            let upload = JournaledUpload(
                journalId: id,
                uploadId: uploadId,
                partSize: partSize,
                checksumCRC32: checksumCRC32
            )
            uploads[id] = (target, upload, false)
            return id
        }
    }

    func parts(of journalId: Int64) throws -> [JournaledPart] {
        lock.withLock { (partsByUpload[journalId] ?? [:]).values.sorted { $0.number < $1.number } }
    }

    func record(_ part: JournaledPart, of journalId: Int64) throws {
        lock.withLock { partsByUpload[journalId, default: [:]][part.number] = part }
    }

    func completed(_ journalId: Int64, etag: String) throws {
        lock.withLock { uploads[journalId]?.done = true }
    }

    func aborted(_ journalId: Int64) throws {
        lock.withLock { uploads[journalId]?.done = true }
    }
}
