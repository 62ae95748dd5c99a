import Foundation
import GRDB
import IngestCore

/// `reel-ingest state migrate`: a single agent's SQLite history into the shared PostgreSQL database, so an
/// installation joins a fleet with its jobs, stages, uploads and publications (ids kept: URLs, logs and
/// `jobs show 12` still mean the same job).
extension PostgresStore {
    /// Rows copied per table, in the order they were copied.
    public typealias ImportCounts = [(table: String, rows: Int)]

    /// Copies every row of `source` in one transaction, ids kept, and moves each id sequence past the copied ids.
    /// Refuses a database that already holds jobs (two histories would collide on their ids). `progress` hears
    /// each table as it is done.
    public func importHistory(from source: SQLiteStore, progress: (String, Int) -> Void = { _, _ in })
        async throws -> ImportCounts
    {
        try await write { session, _ in
            let existing = try await session.scalar(Int64.self, "SELECT COUNT(*) FROM video_processing_jobs") ?? 0
            guard existing == 0 else {
                throw PostgresStoreError(
                    message: "\(place) already holds \(existing) jobs: state migrate copies into a database no "
                        + "agent has used yet"
                )
            }
            var counts: ImportCounts = []
            func copy<Record: FetchableRecord & TableRecord & Encodable & Sendable>(_: Record.Type) async throws {
                let table = Record.databaseTableName
                var copied = 0
                while true {
                    let offset = copied
                    let batch = try await source.pool.read { db in
                        try Record.fetchAll(
                            db,
                            sql: "SELECT * FROM \(table) ORDER BY rowid LIMIT 2000 OFFSET ?",
                            arguments: [offset]
                        )
                    }
                    for record in batch { _ = try await session.insert(record, into: table, returningID: false) }
                    copied += batch.count
                    if batch.count < 2000 { break }
                }
                counts.append((table, copied))
                progress(table, copied)
            }
            // Referenced tables first.
            try await copy(SourceFileRecord.self)
            try await copy(JobRecord.self)
            try await copy(StageRecord.self)
            try await copy(FormatRecord.self)
            try await copy(ThumbnailRecord.self)
            try await copy(UploadRecord.self)
            try await copy(UploadPartRecord.self)
            try await copy(CDNActionRecord.self)
            try await copy(AnalyticsRecord.self)
            try await copy(HTTPUploadRecord.self)
            try await copy(AgentRecord.self)
            for table in [
                "source_files", "video_processing_jobs", "video_processing_stages", "video_formats",
                "video_thumbnails", "video_uploads", "video_cdn_cache", "video_analytics",
            ] {
                try await session.execute(
                    """
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'),
                        COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                    """
                )
            }
            return counts
        }
    }
}
