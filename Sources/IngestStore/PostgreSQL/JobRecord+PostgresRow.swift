import Foundation
import IngestCore
import PostgresNIO

/// Rows of `video_processing_jobs` read by position rather than through `Codable`, as on SQLite (see
/// `JobRecord+Row.swift`): the job list reads 50 jobs per request, and a name lookup plus keyed decoding per column
/// was most of what a page cost.
extension JobRecord {
    /// A row of `SELECT \(columnList) …`: its cells come in `CodingKeys.allCases` order.
    init(postgresRowInColumnOrder row: PostgresRow) throws {
        let column = CellReader(cells: Array(row))
        let expected = CodingKeys.allCases.count
        guard column.cells.count == expected else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "\(column.cells.count) columns, not \(expected)")
            )
        }
        id = try column(.id)
        videoId = try column.required(.videoId)
        sourceFileId = try column(.sourceFileId)
        sourcePath = try column.required(.sourcePath)
        watchName = try column(.watchName)
        profile = try column.required(.profile)
        priority = try column.required(.priority)
        state = try column.requiredState(.state)
        attempts = try column.required(.attempts)
        nextAttemptAt = try column(.nextAttemptAt)
        lastError = try column(.lastError)
        failedIn = try column.state(.failedIn)
        duplicateOf = try column(.duplicateOf)
        contentSha256 = try column(.contentSha256)
        metadata = try column(.metadata)
        progress = try column(.progress)
        createdAt = try column.required(.createdAt)
        updatedAt = try column.required(.updatedAt)
        finishedAt = try column(.finishedAt)
        etaSeconds = try column(.etaSeconds)
        revision = try column(.revision)
        publishedRevision = try column(.publishedRevision)
        revisionBy = try column(.revisionBy)
        publishedAt = try column(.publishedAt)
        checkedAt = try column(.checkedAt)
        claimedBy = try column(.claimedBy)
        leaseUntil = try column(.leaseUntil)
        fence = try column.required(.fence)
    }

    private struct CellReader {
        let cells: [PostgresCell]

        func callAsFunction<Value: PostgresDecodable>(_ key: CodingKeys) throws -> Value? {
            let cell = cells[CodingKeys.allCases.firstIndex(of: key) ?? 0]
            guard cell.bytes != nil else { return nil }
            return try cell.decode(Value.self)
        }

        func required<Value: PostgresDecodable>(_ key: CodingKeys) throws -> Value {
            guard let value: Value = try self(key) else {
                throw DecodingError.valueNotFound(Value.self, .init(codingPath: [key], debugDescription: "NULL"))
            }
            return value
        }

        func state(_ key: CodingKeys) throws -> JobState? {
            guard let text: String = try self(key) else { return nil }
            guard let state = JobState(rawValue: text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [key], debugDescription: "unknown job state \"\(text)\" in \(key.rawValue)")
                )
            }
            return state
        }

        func requiredState(_ key: CodingKeys) throws -> JobState {
            guard let state = try state(key) else {
                throw DecodingError.valueNotFound(JobState.self, .init(codingPath: [key], debugDescription: "NULL"))
            }
            return state
        }
    }
}
