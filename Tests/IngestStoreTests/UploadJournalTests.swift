import Foundation
import IngestStore
import TestSupport
import Testing

@Suite("Upload journal tables")
struct UploadJournalTests {
    @Test func partsAreCommittedAndStaleUploadsFound() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let db = try IngestDatabase(path: dir.path + "/state/reel-ingest.sqlite")
        let old = Date(timeIntervalSince1970: 1_700_000_000)
        let upload = try db.insertUpload(
            UploadRecord(
                storeUrl: "s3://media",
                objectKey: "videos/a.mp4",
                localPath: "/src/a.mp4",
                totalSize: 40 << 20,
                uploadId: "U1",
                partSize: 16 << 20,
                sourceMtimeNs: 42,
                at: old
            )
        )
        let id = try #require(upload.id)
        #expect(
            try db.resumableUpload(
                storeURL: "s3://media",
                objectKey: "videos/a.mp4",
                localPath: "/src/a.mp4",
                totalSize: 40 << 20,
                sourceMtimeNs: 42
            )?.id == id
        )
        // A rewritten source (other mtime) is not resumed.
        #expect(
            try db.resumableUpload(
                storeURL: "s3://media",
                objectKey: "videos/a.mp4",
                localPath: "/src/a.mp4",
                totalSize: 40 << 20,
                sourceMtimeNs: 43
            ) == nil
        )
        #expect(
            try db.staleUploads(storeURL: "s3://media", updatedBefore: old.addingTimeInterval(60)).map(\.id) == [id]
        )

        // Recording a part touches the upload, so it stops looking stale.
        let now = old.addingTimeInterval(3600)
        try db.recordUploadPart(
            UploadPartRecord(uploadId: id, partNumber: 2, etag: "\"e2\"", size: 16 << 20, md5: "e2", completedAt: now)
        )
        try db.recordUploadPart(
            UploadPartRecord(uploadId: id, partNumber: 1, etag: "\"e1\"", size: 16 << 20, md5: "e1", completedAt: now)
        )
        #expect(try db.uploadParts(ofUpload: id).map(\.partNumber) == [1, 2])
        #expect(try db.staleUploads(storeURL: "s3://media", updatedBefore: old.addingTimeInterval(60)).isEmpty)
        #expect(try db.knownUploadIds(storeURL: "s3://media") == ["U1"])

        try db.setUploadState(id, .completed, etag: "\"x-3\"", at: now)
        let done = try #require(try db.upload(id: id))
        #expect(done.state == .completed && done.etag == "\"x-3\"" && done.completedAt == now)
        #expect(
            try db.resumableUpload(
                storeURL: "s3://media",
                objectKey: "videos/a.mp4",
                localPath: "/src/a.mp4",
                totalSize: 40 << 20,
                sourceMtimeNs: 42
            ) == nil
        )
    }
}
