import Foundation
import IngestCore

/// What a publication put where, its CDN actions and its measurements.
extension PostgresStore {
    public func recordPublication(
        job id: Int64,
        revision: String,
        formats: [FormatRecord],
        thumbnails: [ThumbnailRecord]
    ) async throws {
        try await write { session, _ in
            try await session.execute("DELETE FROM video_formats WHERE job_id = ? AND revision = ?", [id, revision])
            try await session.execute("DELETE FROM video_thumbnails WHERE job_id = ? AND revision = ?", [id, revision])
            for format in formats { try await session.insert(format, into: "video_formats") }
            for thumbnail in thumbnails { try await session.insert(thumbnail, into: "video_thumbnails") }
        }
    }

    public func formats(job id: Int64, revision: String?) async throws -> [FormatRecord] {
        try await read { session in try await formats(job: id, revision: revision, session) }
    }

    public func thumbnails(job id: Int64, revision: String?) async throws -> [ThumbnailRecord] {
        try await read { session in try await thumbnails(job: id, revision: revision, session) }
    }

    public func publishedOutputs(job id: Int64, revision: String) async throws -> (
        formats: [FormatRecord], thumbnails: [ThumbnailRecord]
    ) {
        try await read { session in
            (
                try await formats(job: id, revision: revision, session),
                try await thumbnails(job: id, revision: revision, session)
            )
        }
    }

    private func formats(job id: Int64, revision: String?, _ session: PostgresSession) async throws -> [FormatRecord] {
        let byRevision = revision == nil ? "" : "AND revision = ?"
        return try await session.fetchAll(
            FormatRecord.self,
            "SELECT * FROM video_formats WHERE job_id = ? \(byRevision) ORDER BY id",
            [id] + (revision.map { [$0 as any SQLBindable] } ?? [])
        )
    }

    private func thumbnails(job id: Int64, revision: String?, _ session: PostgresSession) async throws
        -> [ThumbnailRecord]
    {
        let byRevision = revision == nil ? "" : "AND revision = ?"
        return try await session.fetchAll(
            ThumbnailRecord.self,
            "SELECT * FROM video_thumbnails WHERE job_id = ? \(byRevision) ORDER BY id",
            [id] + (revision.map { [$0 as any SQLBindable] } ?? [])
        )
    }

    @discardableResult
    public func recordCDNAction(_ record: CDNActionRecord) async throws -> CDNActionRecord {
        try await write { session, _ in
            var record = record
            record.id = try await session.insert(record, into: "video_cdn_cache")
            return record
        }
    }

    public func updateCDNAction(_ record: CDNActionRecord) async throws {
        guard let id = record.id else { throw StoreError.jobNotFound(record.jobId) }
        try await write { session, _ in try await session.update(record, in: "video_cdn_cache", id: id) }
    }

    public func cdnActions(job id: Int64) async throws -> [CDNActionRecord] {
        try await read { session in
            try await session.fetchAll(
                CDNActionRecord.self,
                "SELECT * FROM video_cdn_cache WHERE job_id = ? ORDER BY id",
                [id]
            )
        }
    }

    public func failedCDNActions(maxAttempts: Int, limit: Int) async throws -> [CDNActionRecord] {
        try await read { session in
            try await session.fetchAll(
                CDNActionRecord.self,
                "SELECT * FROM video_cdn_cache WHERE status = 'failed' AND attempts < ? ORDER BY id LIMIT ?",
                [maxAttempts, limit]
            )
        }
    }

    public func recordAnalytics(_ records: [AnalyticsRecord]) async throws {
        guard !records.isEmpty else { return }
        try await write { session, _ in
            for record in records { try await session.insert(record, into: "video_analytics") }
        }
    }

    public func analytics(job id: Int64) async throws -> [AnalyticsRecord] {
        try await read { session in
            try await session.fetchAll(
                AnalyticsRecord.self,
                "SELECT * FROM video_analytics WHERE job_id = ? ORDER BY id",
                [id]
            )
        }
    }
}
