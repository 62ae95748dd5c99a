import Foundation
import IngestCore
import Logging
import PostgresNIO

/// SQL written with `?` placeholders (as for SQLite) and its arguments, as PostgreSQL's `$1 … $n` query.
/// A `?` inside a quoted literal or identifier is left alone.
func postgresQuery(_ sql: String, _ arguments: [any SQLBindable]) -> PostgresQuery {
    var text = ""
    text.reserveCapacity(sql.utf8.count + arguments.count * 2)
    var number = 0
    var quote: Character? = nil
    for character in sql {
        if let open = quote {
            if character == open { quote = nil }
            text.append(character)
        } else if character == "'" || character == "\"" {
            quote = character
            text.append(character)
        } else if character == "?" {
            number += 1
            text += "$\(number)"
        } else {
            text.append(character)
        }
    }
    precondition(number == arguments.count, "\(number) placeholders, \(arguments.count) arguments: \(sql)")
    var binds = PostgresBindings(capacity: arguments.count)
    for argument in arguments {
        switch argument.sqlValue {
        case .null: binds.appendNull()
        case .integer(let value): binds.append(value)
        case .real(let value): binds.append(value)
        case .text(let value): binds.append(value)
        case .date(let value): binds.append(value)
        }
    }
    return PostgresQuery(unsafeSQL: text, binds: binds)
}

/// One connection leased from the pool (inside a transaction or not), with the few ways the store talks to it.
/// Every PostgreSQL error leaves as a `PostgresStoreError`.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    func rows(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> [PostgresRandomAccessRow] {
        do {
            let sequence = try await connection.queryUnlessClosed(postgresQuery(sql, arguments), logger: logger)
            var rows: [PostgresRandomAccessRow] = []
            for try await row in sequence { rows.append(row.makeRandomAccess()) }
            return rows
        } catch {
            throw PostgresStoreError(error)
        }
    }

    /// Rows as they come, for readers that go by position (no index of column names is built for each row).
    func rowsInOrder(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> [PostgresRow] {
        do {
            let sequence = try await connection.queryUnlessClosed(postgresQuery(sql, arguments), logger: logger)
            var rows: [PostgresRow] = []
            for try await row in sequence { rows.append(row) }
            return rows
        } catch {
            throw PostgresStoreError(error)
        }
    }

    func execute(_ sql: String, _ arguments: [any SQLBindable] = []) async throws {
        _ = try await rows(sql, arguments)
    }

    /// Runs a statement ending in `RETURNING …` and says how many rows it touched.
    func changes(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> Int {
        try await rows(sql, arguments).count
    }

    func fetchAll<Record: Decodable>(_: Record.Type, _ sql: String, _ arguments: [any SQLBindable] = [])
        async throws -> [Record]
    {
        try await rows(sql, arguments).map { row in
            do { return try Record(from: PostgresRowDecoder(row: row)) } catch { throw PostgresStoreError(error) }
        }
    }

    func fetchOne<Record: Decodable>(_: Record.Type, _ sql: String, _ arguments: [any SQLBindable] = [])
        async throws -> Record?
    {
        try await fetchAll(Record.self, sql, arguments).first
    }

    /// The first column of the first row, nil for no row or NULL.
    func scalar<Value: PostgresDecodable>(_: Value.Type, _ sql: String, _ arguments: [any SQLBindable] = [])
        async throws -> Value?
    {
        guard let row = try await rows(sql, arguments).first, !row.isEmpty else { return nil }
        return try decode(Value.self, row[0])
    }

    /// The first column of every row (NULLs left out).
    func column<Value: PostgresDecodable>(_: Value.Type, _ sql: String, _ arguments: [any SQLBindable] = [])
        async throws -> [Value]
    {
        try await rows(sql, arguments).compactMap { row in try decode(Value.self, row[0]) }
    }

    func decode<Value: PostgresDecodable>(_: Value.Type, _ cell: PostgresCell) throws -> Value? {
        guard cell.bytes != nil else { return nil }
        do { return try cell.decode(Value.self) } catch { throw PostgresStoreError(error) }
    }

    /// Inserts a record's columns (snake_case of its properties; a nil `id` is left to the identity column) and
    /// returns the new row's `id` when the table has one.
    @discardableResult
    func insert<Record: Encodable>(_ record: Record, into table: String, returningID: Bool = true) async throws
        -> Int64?
    {
        var columns = try ColumnEncoder.columns(of: record)
        columns.removeAll { $0.name == "id" && $0.value == .null }
        let names = columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let sql = "INSERT INTO \(table) (\(names)) VALUES (\(marks))" + (returningID ? " RETURNING id" : "")
        let rows = try await rows(sql, columns.map(\.value))
        guard returningID, let row = rows.first else { return nil }
        return try decode(Int64.self, row[0])
    }

    /// Writes every column of a record to the row with its `id`.
    func update<Record: Encodable>(_ record: Record, in table: String, id: any SQLBindable) async throws {
        let columns = try ColumnEncoder.columns(of: record).filter { $0.name != "id" }
        let assignments = columns.map { "\"\($0.name)\" = ?" }.joined(separator: ", ")
        try await execute("UPDATE \(table) SET \(assignments) WHERE id = ?", columns.map(\.value) + [id])
    }
}

/// What went wrong talking to PostgreSQL: the server's SQLSTATE and message, or the client's reason. Never the
/// statement's arguments, nor the password.
public struct PostgresStoreError: Error, CustomStringConvertible {
    /// The server's SQLSTATE (`40001` serialization failure, `23505` unique violation, ...), nil for client errors.
    public var sqlState: String?
    public var message: String
    /// The client's own failure to talk to the server (none reached, the connection closed), not a decoding error.
    var lostServer = false

    init(_ error: any Error) {
        if let error = error as? PostgresStoreError {
            self = error
        } else if let error = error as? PSQLError {
            sqlState = error.serverInfo?[.sqlState]
            lostServer = error.serverInfo == nil
            if let serverMessage = error.serverInfo?[.message] {
                message = serverMessage
            } else {
                message = "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
            }
        } else if let error = error as? PostgresDecodingError {
            sqlState = nil
            message = "cannot read column \(error.columnName) as \(error.targetType) (it is \(error.postgresType))"
        } else {
            sqlState = nil
            message = String(describing: error)
        }
    }

    /// PostgreSQL's and the decoder's errors as this type; the store's own (`LeaseLost`, `IllegalTransition`,
    /// `StoreError`, ...) as they are.
    static func mapped(_ error: any Error) -> any Error {
        switch error {
        case is PSQLError, is PostgresDecodingError, is DecodingError: PostgresStoreError(error)
        default: error
        }
    }

    init(message: String, lostServer: Bool = false) {
        sqlState = nil
        self.message = message
        self.lostServer = lostServer
    }

    public var description: String {
        "PostgreSQL: " + message + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }
}

/// The SQLSTATE classes of a server that cannot take a write (53: insufficient resources, such as 53100 disk full;
/// 58: system errors, such as 58030 I/O error; 08: the connection; 57P: shutting down or starting; 25006: a read-only
/// server, such as a standby), and the client's failures to reach the server.
extension PostgresStoreError: StoreUnavailability {
    var unavailability: String? {
        guard let sqlState else { return lostServer ? description : nil }
        let unavailable =
            ["53", "58", "08"].contains(where: sqlState.hasPrefix) || sqlState.hasPrefix("57P") || sqlState == "25006"
        return unavailable ? description : nil
    }
}
