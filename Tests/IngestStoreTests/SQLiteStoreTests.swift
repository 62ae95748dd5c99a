import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))

private func withDatabase(_ body: (SQLiteStore, TempDirectory) async throws -> Void) async throws {
    let dir = try TempDirectory()
    defer { dir.remove() }
    try await body(try SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite"), dir)
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

@Suite("SQLite store: schema, pragmas, reopening")
struct SQLiteStoreTests {
    @Test func migratesFromEmptyWithThePlatformsTableNames() async throws {
        try await withDatabase { db, _ in
            #expect(
                try await db.appliedMigrations() == [
                    "v1-initial-schema", "v2-upload-source-mtime", "v3-upload-checksums", "v4-pipeline",
                    "v5-http-uploads", "v6-chunked-upload-kind", "v7-claims", "v8-agents",
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
        let db = try SQLiteStore(path: path)
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
        let migrated = try SQLiteStore(path: path)
        #expect(try await migrated.appliedMigrations().contains("v6-chunked-upload-kind"))
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
        let first = try SQLiteStore(path: path)
        let id = try await first.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "default")).id
        let migrations = try await first.appliedMigrations()
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.appliedMigrations() == migrations)
        #expect(try await reopened.job(id: try #require(id))?.sourcePath == "/w/a.mp4")
    }
}
