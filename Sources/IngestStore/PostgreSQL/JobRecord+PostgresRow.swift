import Foundation
import IngestCore
import PostgresNIO

/// Rows of `video_processing_jobs` read by position rather than through `Codable`, as on SQLite (see
/// `JobRecord+Row.swift`): the job list reads 50 jobs per request, and a name lookup plus keyed decoding per column
/// was most of what a page cost. The row is decoded as one typed tuple, straight from the wire bytes: building a
/// `PostgresCell` (with its column name) per value, then looking each column up, was most of what was left (perf
/// under bench/api.sh).
extension JobRecord {
    /// A row of `SELECT \(columnList) …`: its cells come in `CodingKeys.allCases` order.
    init(postgresRowInColumnOrder row: PostgresRow) throws {
        let expected = CodingKeys.allCases.count
        guard row.count == expected else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "\(row.count) columns, not \(expected)")
            )
        }
        let state: String
        let failedIn: String?
        // The types in `CodingKeys` order; a job state is text.
        (
            id, videoId, sourceFileId, sourcePath, watchName, profile, priority, state, attempts, nextAttemptAt,
            lastError, failedIn, duplicateOf, contentSha256, metadata, progress, createdAt, updatedAt, finishedAt,
            etaSeconds, revision, publishedRevision, revisionBy, publishedAt, checkedAt, claimedBy, leaseUntil, fence
        ) = try row.decode(
            (
                Int64?, String, Int64?, String, String?, String, Int, String, Int, Date?,
                String?, String?, Int64?, String?, String?, Double?, Date, Date, Date?,
                Double?, String?, String?, String?, Date?, Date?, String?, Date?, Int64
            ).self
        )
        self.state = try Self.jobState(state, in: .state)
        self.failedIn = try failedIn.map { try Self.jobState($0, in: .failedIn) }
    }

    private static func jobState(_ text: String, in key: CodingKeys) throws -> JobState {
        guard let state = JobState(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [key], debugDescription: "unknown job state \"\(text)\" in \(key.rawValue)")
            )
        }
        return state
    }
}
