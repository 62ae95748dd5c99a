import Foundation
import GRDB
import IngestCore

/// Rows of `video_processing_jobs` read by hand rather than through `Codable`: the status API reads 50 jobs per
/// request, and keyed decoding through `Decoder` containers, then the columns looked up by name and the dates parsed
/// through a calendar, were most of the request's time (profiled under bench/api.sh). Each value is read from its
/// `DatabaseValue` by a plain switch: GRDB's generic `decode` looks up generic metadata on every call, which was
/// the largest part of a page's time after that (perf under bench/api.sh).
extension JobRecord {
    public init(row: Row) throws {
        try self.init(RowReader(row: row, inOrder: false))
    }

    /// A row of `SELECT \(columnList) …`, read by position.
    init(rowInColumnOrder row: Row) throws {
        try self.init(RowReader(row: row, inOrder: true))
    }

    private init(_ reader: RowReader) throws {
        var column = reader
        id = try column.optionalInt64(.id)
        videoId = try column.string(.videoId)
        sourceFileId = try column.optionalInt64(.sourceFileId)
        sourcePath = try column.string(.sourcePath)
        watchName = try column.optionalString(.watchName)
        profile = try column.string(.profile)
        priority = try column.int(.priority)
        state = try column.state(.state)
        attempts = try column.int(.attempts)
        nextAttemptAt = try column.optionalDate(.nextAttemptAt)
        lastError = try column.optionalString(.lastError)
        failedIn = try column.optionalState(.failedIn)
        duplicateOf = try column.optionalInt64(.duplicateOf)
        contentSha256 = try column.optionalString(.contentSha256)
        metadata = try column.optionalString(.metadata)
        progress = try column.optionalDouble(.progress)
        createdAt = try column.date(.createdAt)
        updatedAt = try column.date(.updatedAt)
        finishedAt = try column.optionalDate(.finishedAt)
        etaSeconds = try column.optionalDouble(.etaSeconds)
        revision = try column.optionalString(.revision)
        publishedRevision = try column.optionalString(.publishedRevision)
        revisionBy = try column.optionalString(.revisionBy)
        publishedAt = try column.optionalDate(.publishedAt)
        checkedAt = try column.optionalDate(.checkedAt)
        claimedBy = try column.optionalString(.claimedBy)
        leaseUntil = try column.optionalDate(.leaseUntil)
        fence = try column.int64(.fence)
    }

    /// The row's values in `CodingKeys` order, each read by a switch over its storage.
    private struct RowReader {
        /// Where each column is in `CodingKeys.allCases` (and in `columnList`), computed once.
        private static let keys = CodingKeys.allCases
        private static let position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        private var values: [DatabaseValue]
        /// The position after the last column read: the initialiser reads them in declaration order, so the next
        /// one asked for is nearly always found there without a look-up.
        private var next = 0

        init(row: Row, inOrder: Bool) {
            if inOrder {
                // By index, not through `databaseValues`, which builds every column's name as it goes.
                values = (0..<row.count).map { row[$0]?.databaseValue ?? .null }
            } else {
                values = Array(repeating: .null, count: Self.keys.count)
                for (name, value) in row {
                    if let key = CodingKeys(rawValue: name), let at = Self.position[key] { values[at] = value }
                }
            }
        }

        private mutating func value(_ key: CodingKeys) -> DatabaseValue {
            let at = next < Self.keys.count && Self.keys[next] == key ? next : Self.position[key] ?? values.count
            next = at + 1
            return at < values.count ? values[at] : .null
        }

        private func mismatch(_ key: CodingKeys, _ wanted: String, _ value: DatabaseValue) -> DecodingError {
            .typeMismatch(
                Any.self,
                .init(codingPath: [key], debugDescription: "\(key.rawValue) is \(value), not \(wanted)")
            )
        }

        mutating func optionalString(_ key: CodingKeys) throws -> String? {
            let value = value(key)
            switch value.storage {
            case .null: return nil
            case .string(let text): return text
            case .blob(let data): return String(decoding: data, as: UTF8.self)
            default: throw mismatch(key, "text", value)
            }
        }

        mutating func string(_ key: CodingKeys) throws -> String {
            guard let text = try optionalString(key) else { throw mismatch(key, "text", value(key)) }
            return text
        }

        mutating func optionalInt64(_ key: CodingKeys) throws -> Int64? {
            let value = value(key)
            switch value.storage {
            case .null: return nil
            case .int64(let number): return number
            case .double(let number) where number == number.rounded(): return Int64(exactly: number)
            default: throw mismatch(key, "an integer", value)
            }
        }

        mutating func int64(_ key: CodingKeys) throws -> Int64 {
            guard let number = try optionalInt64(key) else { throw mismatch(key, "an integer", value(key)) }
            return number
        }

        mutating func int(_ key: CodingKeys) throws -> Int {
            guard let number = Int(exactly: try int64(key)) else { throw mismatch(key, "an Int", value(key)) }
            return number
        }

        mutating func optionalDouble(_ key: CodingKeys) throws -> Double? {
            let value = value(key)
            switch value.storage {
            case .null: return nil
            case .double(let number): return number
            case .int64(let number): return Double(number)
            default: throw mismatch(key, "a number", value)
            }
        }

        mutating func state(_ key: CodingKeys) throws -> JobState {
            let text = try string(key)
            guard let state = JobState(rawValue: text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [key], debugDescription: "unknown job state \"\(text)\" in \(key.rawValue)")
                )
            }
            return state
        }

        mutating func optionalState(_ key: CodingKeys) throws -> JobState? {
            try optionalString(key) == nil ? nil : try state(key)
        }

        mutating func date(_ key: CodingKeys) throws -> Date {
            guard let date = try optionalDate(key) else {
                throw DecodingError.valueNotFound(Date.self, .init(codingPath: [key], debugDescription: "NULL"))
            }
            return date
        }

        /// Text in GRDB's own format is parsed here; anything else (NULL aside) as GRDB reads dates.
        mutating func optionalDate(_ key: CodingKeys) throws -> Date? {
            let value = value(key)
            switch value.storage {
            case .null: return nil
            case .string(let text): if let date = StoredDate.parse(text) { return date }
            default: break
            }
            guard let date = Date.fromDatabaseValue(value) else { throw mismatch(key, "a date", value) }
            return date
        }
    }
}
