import Foundation
import GRDB
import IngestCore

/// Rows of `video_processing_jobs` read by hand rather than through `Codable`: the status API reads 50 jobs per
/// request, and keyed decoding through `Decoder` containers, then the columns looked up by name and the dates parsed
/// through a calendar, were most of the request's time (profiled under bench/api.sh).
extension JobRecord {
    public init(row: Row) throws {
        try self.init(RowReader(row: row, inOrder: false))
    }

    /// A row of `SELECT \(columnList) …`, read by position.
    init(rowInColumnOrder row: Row) throws {
        try self.init(RowReader(row: row, inOrder: true))
    }

    private init(_ column: RowReader) throws {
        id = try column(.id)
        videoId = try column(.videoId)
        sourceFileId = try column(.sourceFileId)
        sourcePath = try column(.sourcePath)
        watchName = try column(.watchName)
        profile = try column(.profile)
        priority = try column(.priority)
        state = try column.state(.state)
        attempts = try column(.attempts)
        nextAttemptAt = try column.optionalDate(.nextAttemptAt)
        lastError = try column(.lastError)
        failedIn = try column.optionalState(.failedIn)
        duplicateOf = try column(.duplicateOf)
        contentSha256 = try column(.contentSha256)
        metadata = try column(.metadata)
        progress = try column(.progress)
        createdAt = try column.date(.createdAt)
        updatedAt = try column.date(.updatedAt)
        finishedAt = try column.optionalDate(.finishedAt)
        etaSeconds = try column(.etaSeconds)
        revision = try column(.revision)
        publishedRevision = try column(.publishedRevision)
        revisionBy = try column(.revisionBy)
        publishedAt = try column.optionalDate(.publishedAt)
        checkedAt = try column.optionalDate(.checkedAt)
        claimedBy = try column(.claimedBy)
        leaseUntil = try column.optionalDate(.leaseUntil)
        fence = try column(.fence)
    }

    private struct RowReader {
        let row: Row
        let inOrder: Bool

        func callAsFunction<Value: DatabaseValueConvertible>(_ key: CodingKeys) throws -> Value {
            guard inOrder else { return try row.decode(Value.self, forColumn: key) }
            return try row.decode(Value.self, atIndex: CodingKeys.allCases.firstIndex(of: key) ?? 0)
        }

        func state(_ key: CodingKeys) throws -> JobState {
            let text: String = try self(key)
            guard let state = JobState(rawValue: text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [key], debugDescription: "unknown job state \"\(text)\" in \(key.rawValue)")
                )
            }
            return state
        }

        func optionalState(_ key: CodingKeys) throws -> JobState? {
            let text: String? = try self(key)
            return try text.map { _ in try state(key) }
        }

        func date(_ key: CodingKeys) throws -> Date {
            guard let date = try optionalDate(key) else {
                throw DecodingError.valueNotFound(Date.self, .init(codingPath: [key], debugDescription: "NULL"))
            }
            return date
        }

        /// Text in GRDB's own format is parsed here; anything else (NULL aside) as GRDB reads dates.
        func optionalDate(_ key: CodingKeys) throws -> Date? {
            let value: DatabaseValue = try self(key)
            if case .string(let text) = value.storage, let date = StoredDate.parse(text) { return date }
            return try self(key) as Date?
        }
    }
}
