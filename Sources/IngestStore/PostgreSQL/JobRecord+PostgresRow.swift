import Foundation
import IngestCore
import PostgresNIO

/// Rows of `video_processing_jobs` read by position rather than through `Codable`, as on SQLite (see
/// `JobRecord+Row.swift`): the job list reads 50 jobs per request, and a name lookup plus keyed decoding per column
/// was most of what a page cost. The cells are taken in order, each decoded as its concrete type: an array of cells
/// with an `allCases` array built per look-up, and postgres-nio's tuple decode (whose parameter pack is resolved at
/// run time, metadata look-ups and all), each cost more than the rest of the page (perf under bench/api.sh).
extension JobRecord {
    /// A row of `SELECT \(columnList) …`: its cells come in `CodingKeys.allCases` order.
    init(postgresRowInColumnOrder row: PostgresRow) throws {
        let expected = CodingKeys.allCases.count
        guard row.count == expected else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "\(row.count) columns, not \(expected)")
            )
        }
        var cell = Cells(row.makeIterator())
        id = try cell.next(Int64?.self)
        videoId = try cell.next(String.self)
        sourceFileId = try cell.next(Int64?.self)
        sourcePath = try cell.next(String.self)
        watchName = try cell.next(String?.self)
        profile = try cell.next(String.self)
        priority = try cell.next(Int.self)
        state = try Self.jobState(try cell.next(String.self), in: .state)
        attempts = try cell.next(Int.self)
        nextAttemptAt = try cell.next(Date?.self)
        lastError = try cell.next(String?.self)
        failedIn = try cell.next(String?.self).map { try Self.jobState($0, in: .failedIn) }
        duplicateOf = try cell.next(Int64?.self)
        contentSha256 = try cell.next(String?.self)
        metadata = try cell.next(String?.self)
        progress = try cell.next(Double?.self)
        createdAt = try cell.next(Date.self)
        updatedAt = try cell.next(Date.self)
        finishedAt = try cell.next(Date?.self)
        etaSeconds = try cell.next(Double?.self)
        revision = try cell.next(String?.self)
        publishedRevision = try cell.next(String?.self)
        revisionBy = try cell.next(String?.self)
        publishedAt = try cell.next(Date?.self)
        checkedAt = try cell.next(Date?.self)
        claimedBy = try cell.next(String?.self)
        leaseUntil = try cell.next(Date?.self)
        fence = try cell.next(Int64.self)
    }

    /// The row's cells one after the other (the count was checked first).
    private struct Cells {
        var iterator: PostgresRow.Iterator
        init(_ iterator: PostgresRow.Iterator) { self.iterator = iterator }

        @inline(__always)
        mutating func next<Value: PostgresDecodable>(_: Value.Type) throws -> Value {
            guard let cell = iterator.next() else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "the row ended early"))
            }
            return try cell.decode(Value.self)
        }
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
