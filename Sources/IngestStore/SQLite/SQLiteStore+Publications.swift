import Foundation
import GRDB

/// What a publication put where (`video_formats`, `video_thumbnails`), its CDN actions (`video_cdn_cache`) and its
/// measurements (`video_analytics`).
extension SQLiteStore {
    /// Replaces the rows of `revision` for the job with these, in one transaction.
    public func recordPublication(
        job id: Int64,
        revision: String,
        formats: [FormatRecord],
        thumbnails: [ThumbnailRecord]
    ) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM video_formats WHERE job_id = ? AND revision = ?",
                arguments: [id, revision]
            )
            try db.execute(
                sql: "DELETE FROM video_thumbnails WHERE job_id = ? AND revision = ?",
                arguments: [id, revision]
            )
            for var format in formats { try format.insert(db) }
            for var thumbnail in thumbnails { try thumbnail.insert(db) }
        }
    }

    public func formats(job id: Int64, revision: String?) async throws -> [FormatRecord] {
        try await pool.read { db in
            var request = FormatRecord.filter(Column("job_id") == id)
            if let revision { request = request.filter(Column("revision") == revision) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    public func thumbnails(job id: Int64, revision: String?) async throws -> [ThumbnailRecord] {
        try await pool.read { db in
            var request = ThumbnailRecord.filter(Column("job_id") == id)
            if let revision { request = request.filter(Column("revision") == revision) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    @discardableResult
    public func recordCDNAction(_ record: CDNActionRecord) async throws -> CDNActionRecord {
        try await write { db in
            var record = record
            try record.insert(db)
            return record
        }
    }

    /// A retried action's new result.
    public func updateCDNAction(_ record: CDNActionRecord) async throws {
        try await write { db in try record.update(db) }
    }

    public func cdnActions(job id: Int64) async throws -> [CDNActionRecord] {
        try await pool.read { db in
            try CDNActionRecord.filter(Column("job_id") == id).order(Column("id")).fetchAll(db)
        }
    }

    /// Actions that failed after their retries and have been tried fewer than `maxAttempts` times.
    public func failedCDNActions(maxAttempts: Int, limit: Int) async throws -> [CDNActionRecord] {
        try await pool.read { db in
            try CDNActionRecord
                .filter(Column("status") == CDNActionRecord.Status.failed.rawValue && Column("attempts") < maxAttempts)
                .order(Column("id")).limit(limit).fetchAll(db)
        }
    }

    public func recordAnalytics(_ records: [AnalyticsRecord]) async throws {
        guard !records.isEmpty else { return }
        try await write { db in
            for var record in records { try record.insert(db) }
        }
    }

    public func analytics(job id: Int64) async throws -> [AnalyticsRecord] {
        try await pool.read { db in
            try AnalyticsRecord.filter(Column("job_id") == id).order(Column("id")).fetchAll(db)
        }
    }
}
