import Foundation
import IngestStore
import TestSupport
import Testing

@Suite("Upload journal tables")
struct UploadJournalTests {
    @Test(arguments: StoreBackend.allCases) func partsAreCommittedAndStaleUploadsFound(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, dir in
            let old = Date(timeIntervalSince1970: 1_700_000_000)
            let upload = try await db.insertUpload(
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
                try await db.resumableUpload(
                    storeURL: "s3://media",
                    objectKey: "videos/a.mp4",
                    localPath: "/src/a.mp4",
                    totalSize: 40 << 20,
                    sourceMtimeNs: 42
                )?.id == id
            )
            // A rewritten source (other mtime) is not resumed.
            #expect(
                try await db.resumableUpload(
                    storeURL: "s3://media",
                    objectKey: "videos/a.mp4",
                    localPath: "/src/a.mp4",
                    totalSize: 40 << 20,
                    sourceMtimeNs: 43
                ) == nil
            )
            #expect(
                try await db.staleUploads(storeURL: "s3://media", updatedBefore: old.addingTimeInterval(60)).map(\.id)
                    == [id]
            )

            // Recording a part touches the upload, so it stops looking stale.
            let now = old.addingTimeInterval(3600)
            try await db.recordUploadPart(
                UploadPartRecord(
                    uploadId: id,
                    partNumber: 2,
                    etag: "\"e2\"",
                    size: 16 << 20,
                    md5: "e2",
                    completedAt: now
                )
            )
            try await db.recordUploadPart(
                UploadPartRecord(
                    uploadId: id,
                    partNumber: 1,
                    etag: "\"e1\"",
                    size: 16 << 20,
                    md5: "e1",
                    completedAt: now
                )
            )
            #expect(try await db.uploadParts(ofUpload: id).map(\.partNumber) == [1, 2])
            #expect(
                try await db.staleUploads(storeURL: "s3://media", updatedBefore: old.addingTimeInterval(60)).isEmpty
            )
            #expect(try await db.knownUploadIds(storeURL: "s3://media") == ["U1"])

            try await db.setUploadState(id, .completed, etag: "\"x-3\"", at: now)
            let done = try #require(try await db.upload(id: id))
            #expect(done.state == .completed && done.etag == "\"x-3\"" && done.completedAt == now)
            #expect(
                try await db.resumableUpload(
                    storeURL: "s3://media",
                    objectKey: "videos/a.mp4",
                    localPath: "/src/a.mp4",
                    totalSize: 40 << 20,
                    sourceMtimeNs: 42
                ) == nil
            )
        }
    }
}
