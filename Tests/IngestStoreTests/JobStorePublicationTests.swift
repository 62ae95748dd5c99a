import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func newJob(_ db: any JobStore, _ path: String = "/srv/a.mp4") async throws -> Int64 {
    try #require(try await db.insertJob(NewJob(sourcePath: path, watchName: "w", profile: "default"), at: t0).id)
}

@Suite("Job store: publications, objects, CDN actions, analytics")
struct JobStorePublicationTests {
    @Test(arguments: StoreBackend.allCases) func aRevisionsRowsAreReplacedAndReadBack(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let id = try await newJob(db)
            var hls = FormatRecord(jobId: id, kind: "hls", objectKey: "videos/v/r1/master.m3u8", revision: "r1", at: t0)
            hls.bandwidth = 5_000_000
            hls.frameRate = 29.97
            var stale = FormatRecord(jobId: id, kind: "mp4", objectKey: "videos/v/r1/old.mp4", revision: "r1", at: t0)
            stale.bytes = 1
            let thumb = ThumbnailRecord(
                jobId: id,
                position: "poster",
                atSeconds: 1.5,
                width: 640,
                height: 360,
                objectKey: "videos/v/r1/poster.jpg",
                revision: "r1",
                at: t0
            )
            try await db.recordPublication(job: id, revision: "r1", formats: [hls, stale], thumbnails: [thumb])
            try await db.recordPublication(job: id, revision: "r1", formats: [hls], thumbnails: [thumb])
            let other = FormatRecord(
                jobId: id,
                kind: "hls",
                objectKey: "videos/v/r2/master.m3u8",
                revision: "r2",
                at: t0
            )
            try await db.recordPublication(job: id, revision: "r2", formats: [other], thumbnails: [])

            let outputs = try await db.publishedOutputs(job: id, revision: "r1")
            #expect(outputs.formats.map(\.objectKey) == ["videos/v/r1/master.m3u8"], "r1's first rows were replaced")
            #expect(outputs.formats.first?.bandwidth == 5_000_000)
            #expect(outputs.formats.first?.frameRate == 29.97)
            #expect(outputs.thumbnails.map(\.position) == ["poster"])
            #expect(outputs.thumbnails.first?.atSeconds == 1.5)
            #expect(try await db.formats(job: id).count == 2)
            #expect(try await db.formats(job: id, revision: "r2").map(\.objectKey) == ["videos/v/r2/master.m3u8"])
            #expect(try await db.thumbnails(job: id, revision: "r2").isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases) func storedObjectsAreFoundByContentAndMarkedDeleted(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            let id = try await newJob(db)
            let store = "s3://media"
            #expect(try await db.lastStoreWrite() == nil)
            for (key, sha) in [("p/videos/v/r1/a.m4s", "aa"), ("p/videos/v/r1/b.m4s", "bb"), ("p/videos/w/r1/c", "cc")]
            {
                try await db.recordStoredObject(
                    job: id,
                    storeURL: store,
                    key: key,
                    localPath: "/scratch/\(key)",
                    size: 10,
                    sha256: sha,
                    etag: "\"\(sha)\"",
                    at: t0
                )
            }
            #expect(try await db.objectStored(storeURL: store, key: "p/videos/v/r1/a.m4s", sha256: "aa"))
            #expect(!(try await db.objectStored(storeURL: store, key: "p/videos/v/r1/a.m4s", sha256: "bb")))
            #expect(!(try await db.objectStored(storeURL: "file:///other", key: "p/videos/v/r1/a.m4s", sha256: "aa")))
            let underV = try await db.storedKeys(job: nil, storeURL: store, keyPrefix: "p/videos/v/")
            #expect(underV == ["p/videos/v/r1/a.m4s", "p/videos/v/r1/b.m4s"])
            #expect(try await db.storedKeys(job: id + 1, storeURL: store, keyPrefix: "p/videos/v/").isEmpty)
            #expect(try await db.lastStoreWrite() == t0)

            try await db.markDeleted(storeURL: store, keys: ["p/videos/v/r1/a.m4s"], at: t0 + 1)
            #expect(
                try await db.storedKeys(job: id, storeURL: store, keyPrefix: "p/videos/v/") == ["p/videos/v/r1/b.m4s"]
            )
            #expect(!(try await db.objectStored(storeURL: store, key: "p/videos/v/r1/a.m4s", sha256: "aa")))
        }
    }

    @Test(arguments: StoreBackend.allCases) func anObjectIntendedButNeverRecordedIsStillListedForRemoval(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            let id = try await newJob(db)
            let store = "s3://media"
            for key in ["p/videos/v/r1/a.m4s", "p/videos/v/r1/b.m4s"] {
                try await db.recordIntendedObject(
                    job: id,
                    storeURL: store,
                    key: key,
                    localPath: "/scratch/\(key)",
                    size: 10,
                    at: t0
                )
            }
            // The sender died after a.m4s may have reached the store: both keys are somebody's to remove.
            #expect(
                try await db.storedKeys(job: id, storeURL: store, keyPrefix: "p/videos/v/")
                    == ["p/videos/v/r1/a.m4s", "p/videos/v/r1/b.m4s"]
            )
            #expect(try await db.lastStoreWrite() == nil, "an intent is not a write")
            #expect(!(try await db.objectStored(storeURL: store, key: "p/videos/v/r1/b.m4s", sha256: "bb")))

            try await db.recordStoredObject(
                job: id,
                storeURL: store,
                key: "p/videos/v/r1/b.m4s",
                localPath: "/scratch/b",
                size: 12,
                sha256: "bb",
                etag: "\"bb\"",
                at: t0 + 1
            )
            #expect(try await db.objectStored(storeURL: store, key: "p/videos/v/r1/b.m4s", sha256: "bb"))
            #expect(try await db.lastStoreWrite() == t0 + 1)

            try await db.markDeleted(storeURL: store, keys: ["p/videos/v/r1/a.m4s"], at: t0 + 2)
            #expect(
                try await db.storedKeys(job: nil, storeURL: store, keyPrefix: "p/videos/v/") == ["p/videos/v/r1/b.m4s"]
            )
        }
    }

    @Test(arguments: StoreBackend.allCases) func unfinishedMultipartUploadsAreAbandonedForTheSweep(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            let id = try await newJob(db)
            var record = UploadRecord(
                storeUrl: "s3://media",
                objectKey: "k",
                localPath: "/l",
                totalSize: 1 << 30,
                uploadId: "U9",
                partSize: 1 << 24,
                sourceMtimeNs: nil,
                at: t0
            )
            record.jobId = id
            let upload = try await db.insertUpload(record)
            #expect(
                try await db.resumableUpload(
                    storeURL: "s3://media",
                    objectKey: "k",
                    localPath: "/l",
                    totalSize: 1 << 30,
                    sourceMtimeNs: nil
                )?.id == upload.id,
                "an unknown mtime matches an unknown mtime"
            )
            try await db.abandonUploads(job: id, at: t0 + 1)
            let stale = try await db.staleUploads(storeURL: "s3://media", updatedBefore: t0)
            #expect(stale.map(\.id) == [upload.id], "abandoned uploads are stale whatever their age")
            #expect(stale.first?.state == .abandoned)
        }
    }

    @Test(arguments: StoreBackend.allCases) func cdnActionsAreRetriedUntilTheirAttemptsRunOut(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let id = try await newJob(db)
            var purge = CDNActionRecord(
                jobId: id,
                url: "http://cdn/videos/v/video.json",
                action: "purge",
                revision: "r1",
                at: t0
            )
            purge.status = .failed
            purge.error = "503"
            purge = try await db.recordCDNAction(purge)
            let prewarm = try await db.recordCDNAction(
                CDNActionRecord(
                    jobId: id,
                    url: "http://cdn/videos/v/r1/master.m3u8",
                    action: "prewarm",
                    revision: "r1",
                    at: t0
                )
            )
            #expect(try await db.failedCDNActions(maxAttempts: 3).map(\.id) == [purge.id])

            purge.attempts = 3
            purge.httpStatus = 503
            purge.cacheStatus = nil
            purge.updatedAt = t0 + 60
            try await db.updateCDNAction(purge)
            #expect(try await db.failedCDNActions(maxAttempts: 3).isEmpty, "three attempts spent")
            let actions = try await db.cdnActions(job: id)
            #expect(actions.map(\.action) == ["purge", "prewarm"])
            #expect(actions.first?.attempts == 3 && actions.first?.httpStatus == 503)
            #expect(actions.last?.id == prewarm.id && actions.last?.status == .ok)
        }
    }

    @Test(arguments: StoreBackend.allCases) func analyticsRowsKeepTheirOrder(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let id = try await newJob(db)
            try await db.recordAnalytics([
                AnalyticsRecord(jobId: id, metric: "stage_seconds", value: 12.5, format: "transcoding", at: t0),
                AnalyticsRecord(jobId: id, metric: "bytes", value: 4096, format: "v720", at: t0),
                AnalyticsRecord(jobId: id, metric: "error", value: 1, detail: "storage", at: t0),
            ])
            try await db.recordAnalytics([])
            let rows = try await db.analytics(job: id)
            #expect(rows.map(\.metric) == ["stage_seconds", "bytes", "error"])
            #expect(rows.map(\.value) == [12.5, 4096, 1])
            #expect(rows.last?.detail == "storage" && rows.last?.format == nil)
        }
    }
}
