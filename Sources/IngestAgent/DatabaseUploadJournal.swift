import Foundation
import IngestCore
import IngestPublish
import IngestStore

/// The upload journal kept in the job database (`video_uploads`, `video_upload_parts`). Lives here, where both
/// modules meet, so IngestPublish does not depend on the store. Its callers are upload threads (never the
/// cooperative pool), which wait for each commit before they go on.
public struct DatabaseUploadJournal: UploadJournal {
    public let database: any JobStore

    public init(database: any JobStore) {
        self.database = database
    }

    public func resumable(_ target: UploadTarget) throws -> JournaledUpload? {
        let database = database
        guard
            let row = try blockingWait({
                try await database.resumableUpload(
                    storeURL: target.storeURL,
                    objectKey: target.key,
                    localPath: target.localPath,
                    totalSize: target.size,
                    sourceMtimeNs: target.mtimeNs
                )
            }), let id = row.id, let uploadId = row.uploadId, let partSize = row.partSize
        else { return nil }
        return JournaledUpload(
            journalId: id,
            uploadId: uploadId,
            partSize: partSize,
            checksumCRC32: row.checksumAlgorithm == "CRC32"
        )
    }

    public func begin(_ target: UploadTarget, uploadId: String, partSize: Int64, checksumCRC32: Bool) throws -> Int64 {
        var record = UploadRecord(
            jobId: target.jobId,
            storeUrl: target.storeURL,
            objectKey: target.key,
            localPath: target.localPath,
            totalSize: target.size,
            uploadId: uploadId,
            partSize: partSize,
            sourceMtimeNs: target.mtimeNs,
            at: Date()
        )
        record.checksumAlgorithm = checksumCRC32 ? "CRC32" : nil
        let database = database
        let row = try blockingWait { [record] in try await database.insertUpload(record) }
        return row.id ?? 0
    }

    public func parts(of journalId: Int64) throws -> [JournaledPart] {
        let database = database
        return try blockingWait { try await database.uploadParts(ofUpload: journalId) }.map {
            JournaledPart(
                number: $0.partNumber,
                etag: $0.etag,
                size: $0.size,
                md5: $0.md5,
                crc32: $0.crc32.map { UInt32(truncatingIfNeeded: $0) }
            )
        }
    }

    public func record(_ part: JournaledPart, of journalId: Int64) throws {
        let database = database
        let record = UploadPartRecord(
            uploadId: journalId,
            partNumber: part.number,
            etag: part.etag,
            size: part.size,
            md5: part.md5,
            crc32: part.crc32.map(Int64.init),
            completedAt: Date()
        )
        try blockingWait { try await database.recordUploadPart(record) }
    }

    public func completed(_ journalId: Int64, etag: String) throws {
        let database = database
        try blockingWait { try await database.setUploadState(journalId, .completed, etag: etag, at: Date()) }
    }

    public func aborted(_ journalId: Int64) throws {
        let database = database
        try blockingWait { try await database.setUploadState(journalId, .aborted, at: Date()) }
    }
}
