import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// `reel-ingest state migrate`: a single agent's SQLite history, every table of it, into an unused PostgreSQL.
@Suite("PostgreSQL: importing a SQLite history")
struct PostgresImportTests {
    @Test func everyRowArrivesWithItsIdAndNewIdsFollowThem() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let sqlite = try SQLiteStore(path: dir.path + "/reel-ingest.sqlite")
        let ids = try await Self.populate(sqlite)

        try await TestPostgres.withFreshDatabase { place in
            try await PostgresStore.withStore(place, logger: TestPostgres.logger) { pg in
                let counts = try await pg.importHistory(from: sqlite)
                let rows = Dictionary(uniqueKeysWithValues: counts.map { ($0.table, $0.rows) })
                #expect(rows["video_processing_jobs"] == 3 && rows["agents"] == 1)
                #expect(counts.allSatisfy { $0.rows > 0 }, "the history fills every table: \(counts)")

                #expect(try await pg.jobs(limit: 100) == (try await sqlite.jobs(limit: 100)))
                for id in ids {
                    #expect(try await pg.stages(ofJob: id) == (try await sqlite.stages(ofJob: id)))
                    #expect(
                        try await pg.formats(job: id, revision: nil)
                            == (try await sqlite.formats(job: id, revision: nil))
                    )
                    #expect(
                        try await pg.thumbnails(job: id, revision: nil)
                            == (try await sqlite.thumbnails(job: id, revision: nil))
                    )
                    #expect(try await pg.cdnActions(job: id) == (try await sqlite.cdnActions(job: id)))
                    #expect(try await pg.analytics(job: id) == (try await sqlite.analytics(job: id)))
                }
                #expect(try await pg.upload(id: 1) == (try await sqlite.upload(id: 1)))
                #expect(try await pg.uploadParts(ofUpload: 1) == (try await sqlite.uploadParts(ofUpload: 1)))
                #expect(try await pg.httpUpload(id: "u1") == (try await sqlite.httpUpload(id: "u1")))
                #expect(try await pg.agentStatuses().map(\.agent) == (try await sqlite.agentStatuses().map(\.agent)))
                #expect(try await pg.sourceFile(id: 1) == (try await sqlite.sourceFile(id: 1)))

                // Ids go on after the copied ones.
                let next = try await pg.insertJob(NewJob(sourcePath: "/srv/new.mp4", watchName: "w", profile: "p"))
                #expect(next.id == (ids.max() ?? 0) + 1)

                // A database in use is refused: two histories would collide on their ids.
                let error = await #expect(throws: (any Error).self) { _ = try await pg.importHistory(from: sqlite) }
                #expect("\(error.map { "\($0)" } ?? "")".contains("already holds 4 jobs"))
            }
        }
    }

    /// A short history touching every table: a published job with its publication, uploads, CDN actions and
    /// analytics, a duplicate of it, a failed job, an HTTP upload and the agent.
    static func populate(_ db: SQLiteStore) async throws -> [Int64] {
        let watch = WatchConfig(name: "w", file: "/etc/reel-ingest/watches.d/w.toml", path: "/srv/w")
        let policy = RetryPolicy()
        var ids: [Int64] = []
        for (n, name) in ["a", "b", "c"].enumerated() {
            let file = FileObservation(path: "/srv/w/\(name).mp4", device: 1, inode: Int64(n + 1), size: 10, mtimeNs: 5)
            let recorded = try #require(try await db.recordStable(file, watch: watch, metadata: nil, policy: policy))
            let id = try #require(recorded.job.id)
            _ = try await db.claimContent(
                n == 1 ? "sha-a" : "sha-\(name)",
                job: id,
                source: recorded.sourceId,
                policy: policy,
                at: t0
            )
            ids.append(id)
        }
        let published = ids[0]
        try await db.markChecked(job: published, at: t0)
        for event in [JobEvent.probeStarted, .transcodeStarted, .uploadStarted, .distributionStarted] {
            try await db.apply(event, toJob: published, policy: policy)
        }
        try await db.setProgress(job: published, percent: 40, etaSeconds: 3, at: t0, claim: nil)
        var format = FormatRecord(
            jobId: published,
            kind: "hls",
            objectKey: "videos/v/r1/master.m3u8",
            revision: "r1",
            at: t0
        )
        format.bandwidth = 900_000
        let thumb = ThumbnailRecord(
            jobId: published,
            position: "poster",
            atSeconds: 1.5,
            width: 320,
            height: 180,
            objectKey: "videos/v/r1/poster.jpg",
            revision: "r1",
            at: t0
        )
        try await db.recordPublication(job: published, revision: "r1", formats: [format], thumbnails: [thumb])
        try await db.completePublication(job: published, revision: "r1", policy: policy, at: t0, claim: nil)
        let upload = try await db.insertUpload(
            UploadRecord(
                jobId: published,
                storeUrl: "s3://media",
                objectKey: "videos/v/r1/video.mp4",
                localPath: "/s/v.mp4",
                totalSize: 10,
                uploadId: "up-1",
                partSize: 5,
                sourceMtimeNs: 5,
                at: t0
            )
        )
        let uploadId = try #require(upload.id)
        try await db.recordUploadPart(
            UploadPartRecord(uploadId: uploadId, partNumber: 1, etag: "\"e\"", size: 5, md5: "m", completedAt: t0)
        )
        _ = try await db.recordCDNAction(
            CDNActionRecord(jobId: published, url: "https://cdn/x", action: "purge", revision: "r1", at: t0)
        )
        try await db.recordAnalytics([
            AnalyticsRecord(jobId: published, metric: "upload_seconds", value: 1.25, format: "hls", at: t0)
        ])
        try await db.apply(.failed(error: "boom"), toJob: ids[2], policy: policy)
        try await db.insertHTTPUpload(
            HTTPUploadRecord(
                id: "u1",
                protocol: .tus,
                filename: "u1.mp4",
                watchName: "w",
                metadata: nil,
                uploadMetadata: nil,
                totalSize: 100,
                dataPath: "/u/u1",
                expiresAt: t0 + 3600,
                at: t0
            )
        )
        _ = try await db.registerAgent(
            AgentRecord(
                name: "solo",
                host: "h",
                version: "1",
                slots: 1,
                leaseSeconds: 120,
                startedAt: t0,
                lastHeartbeat: t0
            )
        )
        return ids
    }
}
