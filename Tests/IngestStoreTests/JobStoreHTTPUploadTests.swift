import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func upload(_ id: String, size: Int64 = 100) -> HTTPUploadRecord {
    HTTPUploadRecord(
        id: id,
        protocol: .tus,
        filename: "\(id).mp4",
        watchName: "inbox",
        metadata: #"{"title":"x"}"#,
        uploadMetadata: "filename eC5tcDQ=",
        totalSize: size,
        dataPath: "/var/lib/reel-ingest/uploads/\(id)",
        expiresAt: t0 + 3600,
        at: t0
    )
}

@Suite("Job store: HTTP uploads")
struct JobStoreHTTPUploadTests {
    @Test(arguments: StoreBackend.allCases) func offsetsOnlyMoveForwardFromWhereTheyAre(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            try await db.insertHTTPUpload(upload("u1"))
            #expect(try await db.httpUpload(id: "u1") == upload("u1"))
            #expect(try await db.advanceHTTPUpload(id: "u1", from: 0, to: 40, expiresAt: t0 + 7200, at: t0 + 1))
            #expect(
                !(try await db.advanceHTTPUpload(id: "u1", from: 0, to: 80, expiresAt: t0 + 7200, at: t0 + 2)),
                "a stale writer that still thinks the offset is 0"
            )
            #expect(try await db.httpUpload(id: "u1")?.receivedBytes == 40)
            #expect(try await db.advanceHTTPUpload(id: "u1", from: 40, to: 100, expiresAt: t0 + 7200, at: t0 + 3))
            let done = try #require(try await db.httpUpload(id: "u1"))
            #expect(done.state == .received && done.completedAt == t0 + 3)
            #expect(try await db.httpUploads(in: .received).map(\.id) == ["u1"])
            #expect(
                !(try await db.advanceHTTPUpload(id: "u1", from: 100, to: 120, expiresAt: t0 + 7200, at: t0 + 4)),
                "a received upload takes no more bytes"
            )
        }
    }

    @Test(arguments: StoreBackend.allCases) func onlyUntouchedIncompleteUploadsExpire(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            try await db.insertHTTPUpload(upload("old"))
            try await db.insertHTTPUpload(upload("fresh"))
            _ = try await db.advanceHTTPUpload(id: "fresh", from: 0, to: 10, expiresAt: t0 + 9000, at: t0 + 10)
            let due = try await db.expiredHTTPUploads(at: t0 + 4000)
            #expect(due.map(\.id) == ["old"])
            #expect(try await db.expireHTTPUpload(id: "old", at: t0 + 4000))
            #expect(!(try await db.expireHTTPUpload(id: "fresh", at: t0 + 4000)), "resumed meanwhile")
            #expect(try await db.httpUpload(id: "old")?.state == .expired)
            try await db.setHTTPUploadState(id: "fresh", .failed, finalPath: nil, jobId: nil, error: "disk", at: t0 + 5)
            let failed = try #require(try await db.httpUpload(id: "fresh"))
            #expect(failed.state == .failed && failed.error == "disk" && failed.finalPath == nil)
        }
    }

    /// A finished upload moved into its watch folder becomes a job, unless the watcher recorded the same file
    /// version first: then the upload adopts that job.
    @Test(arguments: StoreBackend.allCases) func handOffRecordsTheJobOrAdoptsTheWatchersOne(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let inbox = WatchConfig(name: "inbox", file: "/etc/reel-ingest/watches.d/inbox.toml", path: "/srv/inbox")
            try await db.insertHTTPUpload(upload("a"))
            try await db.insertHTTPUpload(upload("b"))
            let fileA = FileObservation(path: "/srv/inbox/a.mp4", device: 1, inode: 10, size: 100, mtimeNs: 5)
            let handed = try await db.recordUploadedFile(
                fileA,
                upload: "a",
                watch: inbox,
                metadata: nil,
                policy: policy,
                at: t0
            )
            #expect(handed.recorded && handed.job.state == .stable)
            let a = try #require(try await db.httpUpload(id: "a"))
            #expect(a.state == .handedOff && a.jobId == handed.job.id && a.finalPath == "/srv/inbox/a.mp4")
            #expect(try await db.httpUploadsAwaitingChecks().map(\.id) == ["a"], "its job waits for intake's checks")
            try await db.markChecked(job: try #require(handed.job.id), at: t0 + 1)
            #expect(try await db.httpUploadsAwaitingChecks().isEmpty)

            let fileB = FileObservation(path: "/srv/inbox/b.mp4", device: 1, inode: 11, size: 100, mtimeNs: 5)
            let watched = try #require(
                try await db.recordStable(fileB, watch: inbox, metadata: nil, policy: policy, at: t0 + 2)
            )
            let adopted = try await db.recordUploadedFile(
                fileB,
                upload: "b",
                watch: inbox,
                metadata: nil,
                policy: policy,
                at: t0 + 3
            )
            #expect(!adopted.recorded)
            #expect(adopted.job.id == watched.job.id && adopted.sourceId == watched.sourceId)
            #expect(try await db.httpUpload(id: "b")?.jobId == watched.job.id)
        }
    }
}
