import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))

private func withDatabase(_ body: (IngestDatabase, TempDirectory) async throws -> Void) async throws {
    let dir = try TempDirectory()
    defer { dir.remove() }
    try await body(try IngestDatabase(path: dir.path + "/state/reel-ingest.sqlite"), dir)
}

/// Reads the schema with the sqlite3 CLI: an independent look at what the migration created.
private func sqlite(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

@Suite("SQLite store")
struct IngestDatabaseTests {
    @Test func migratesFromEmptyWithThePlatformsTableNames() async throws {
        try await withDatabase { db, _ in
            #expect(
                try db.appliedMigrations() == [
                    "v1-initial-schema", "v2-upload-source-mtime", "v3-upload-checksums", "v4-pipeline",
                    "v5-http-uploads", "v6-chunked-upload-kind",
                ]
            )
            let tables = try sqlite(db.path, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
                .split(separator: "\n").map(String.init)
            for name in [
                "video_processing_jobs", "video_processing_stages", "video_formats", "video_thumbnails",
                "video_uploads", "video_upload_parts", "video_cdn_cache", "video_analytics", "source_files",
            ] {
                #expect(tables.contains(name), "table \(name)")
            }
            let indexes = try sqlite(db.path, "SELECT name FROM sqlite_master WHERE type='index'")
            #expect(indexes.contains("jobs_on_state"))
            #expect(indexes.contains("jobs_on_next_attempt"))
            #expect(indexes.contains("jobs_on_content"))
            let uploadColumns = try sqlite(db.path, "SELECT name FROM pragma_table_info('video_uploads')")
            #expect(uploadColumns.split(separator: "\n").contains("checksum_algorithm"))
            let partColumns = try sqlite(db.path, "SELECT name FROM pragma_table_info('video_upload_parts')")
            #expect(partColumns.split(separator: "\n").contains("crc32"))
        }
    }

    /// Uploads of the chunked upload API were stored as "seed": v6 rewrites them, and a row an older agent still
    /// writes that way reads as `.chunked` too.
    @Test func chunkedUploadsStoredAsSeedReadAsChunked() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/db.sqlite"
        let db = try IngestDatabase(path: path)
        for id in ["a", "b"] {
            let upload = HTTPUploadRecord(
                id: id,
                protocol: .chunked,
                filename: "\(id).mp4",
                watchName: "inbox",
                metadata: nil,
                uploadMetadata: nil,
                totalSize: 10,
                dataPath: dir.path + "/\(id)",
                expiresAt: Date(),
                at: Date()
            )
            try await db.insertHTTPUpload(upload)
        }
        #expect(try sqlite(path, "SELECT protocol FROM video_http_uploads WHERE id = 'a'") == "chunked\n")
        _ = try sqlite(path, "UPDATE video_http_uploads SET protocol = 'seed'")
        #expect(try await db.httpUpload(id: "a")?.protocol == .chunked, "read as it is, before any migration")

        // A database from before v6: reopening rewrites its rows.
        _ = try sqlite(path, "DELETE FROM grdb_migrations WHERE identifier = 'v6-chunked-upload-kind'")
        let migrated = try IngestDatabase(path: path)
        #expect(try migrated.appliedMigrations().last == "v6-chunked-upload-kind")
        #expect(try sqlite(path, "SELECT DISTINCT protocol FROM video_http_uploads") == "chunked\n")
        #expect(try await migrated.httpUpload(id: "b")?.protocol == .chunked)
    }

    @Test func walAndFullSync() async throws {
        try await withDatabase { db, _ in
            let journal = try db.pragma("journal_mode")
            let synchronous = try db.pragma("synchronous")
            let foreignKeys = try db.pragma("foreign_keys")
            #expect(journal == "wal")
            #expect(synchronous == "2", "2 is FULL")
            #expect(foreignKeys == "1")
        }
    }

    @Test func reopeningKeepsDataAndDoesNotRemigrate() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/db.sqlite"
        let id = try await IngestDatabase(path: path).insertJob(
            NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "default")
        ).id
        let reopened = try IngestDatabase(path: path)
        #expect(try reopened.appliedMigrations().count == 6)
        #expect(try await reopened.job(id: try #require(id))?.sourcePath == "/w/a.mp4")
    }

    @Test func everyTransitionCommitsAStageRow() async throws {
        try await withDatabase { db, _ in
            let job = try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "default"))
            let id = try #require(job.id)
            #expect(job.state == .discovered)
            #expect(job.videoId.count == 36, "a placeholder until the content hash is known")
            try await db.apply(.settled, toJob: id, policy: policy)
            try await db.apply(.probeStarted, toJob: id, policy: policy)
            let failed = try await db.apply(.failed(error: "worker killed by signal 11"), toJob: id, policy: policy)
            #expect(failed.state == .failed)
            #expect(failed.attempts == 1)
            #expect(failed.failedIn == .probing)
            #expect(failed.nextAttemptAt != nil)
            let stages = try await db.stages(ofJob: id)
            #expect(stages.map(\.toState) == [.discovered, .stable, .probing, .failed])
            #expect(stages.last?.message == "worker killed by signal 11")
            #expect(stages.last?.fromState == .probing)
        }
    }

    @Test func illegalTransitionWritesNothing() async throws {
        try await withDatabase { db, _ in
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            await #expect(throws: IllegalTransition.self) {
                try await db.apply(.published, toJob: id, policy: policy)
            }
            #expect(try await db.job(id: id)?.state == .discovered)
            #expect(try await db.stages(ofJob: id).count == 1)
            await #expect(throws: StoreError.jobNotFound(999)) {
                try await db.apply(.settled, toJob: 999, policy: policy)
            }
        }
    }

    @Test func terminalStatesSetFinishedAt() async throws {
        try await withDatabase { db, _ in
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            let job = try await db.apply(.rejected(reason: "not a video file"), toJob: id, policy: policy)
            #expect(job.finishedAt != nil)
            #expect(job.lastError == "not a video file")
        }
    }

    @Test func listsFilterAndLimitNewestFirst() async throws {
        try await withDatabase { db, _ in
            var ids: [Int64] = []
            for n in 0..<5 {
                let job = try await db.insertJob(NewJob(sourcePath: "/w/\(n).mp4", watchName: "w", profile: "p"))
                ids.append(try #require(job.id))
            }
            try await db.apply(.settled, toJob: ids[1], policy: policy)
            try await db.apply(.settled, toJob: ids[3], policy: policy)
            #expect(try await db.jobs(limit: 3).compactMap(\.id) == [ids[4], ids[3], ids[2]])
            #expect(try await db.jobs(state: .stable, limit: 10).compactMap(\.id) == [ids[3], ids[1]])
            #expect(try await db.jobs(state: .published, limit: 10).isEmpty)
        }
    }

    @Test func queueStatusCountsAndOldestWaiting() async throws {
        try await withDatabase { db, _ in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let first = try await db.insertJob(NewJob(sourcePath: "/w/old.mp4", watchName: "w", profile: "p"), at: t0)
            let second = try await db.insertJob(
                NewJob(sourcePath: "/w/new.mp4", watchName: "w", profile: "p"),
                at: t0.addingTimeInterval(10)
            )
            let third = try await db.insertJob(
                NewJob(sourcePath: "/w/bad.mp4", watchName: "w", profile: "p"),
                at: t0.addingTimeInterval(20)
            )
            try await db.apply(.settled, toJob: try #require(second.id), policy: policy, at: t0.addingTimeInterval(30))
            try await db.apply(
                .failed(error: "x"),
                toJob: try #require(third.id),
                policy: policy,
                at: t0.addingTimeInterval(40)
            )
            let status = try await db.queueStatus()
            #expect(status.counts[.discovered] == 1)
            #expect(status.counts[.stable] == 1)
            #expect(status.counts[.failed] == 1)
            #expect(status.counts[.published] == 0)
            #expect(status.total == 3)
            #expect(status.oldestWaiting?.id == first.id)
            #expect(status.nextRetryAt == t0.addingTimeInterval(70))
        }
    }

    @Test func dueRetriesHonourTheClock() async throws {
        try await withDatabase { db, _ in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            try await db.apply(.failed(error: "503"), toJob: id, policy: policy, at: t0)
            #expect(try await db.dueRetries(at: t0.addingTimeInterval(29)).isEmpty)
            #expect(try await db.dueRetries(at: t0.addingTimeInterval(30)).compactMap(\.id) == [id])
        }
    }

}
