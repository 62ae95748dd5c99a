import Foundation
import PostgresNIO

/// The record types are `Codable` with their columns' snake_case names as coding keys (as GRDB reads and writes
/// them); these two coders give PostgreSQL rows the same mapping, so one record type serves both stores.

/// Decodes one row into a `Decodable` record: each property from the column its coding key names.
struct PostgresRowDecoder: Decoder {
    let row: PostgresRandomAccessRow
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row is keyed"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row is keyed"))
    }

    struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: PostgresRandomAccessRow
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { row.compactMap { Key(stringValue: $0.columnName) } }

        func contains(_ key: Key) -> Bool { row.contains(key.stringValue) }

        func cell(_ key: Key) throws -> PostgresCell {
            let name = key.stringValue
            guard row.contains(name) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [key], debugDescription: "no column \(name)"))
            }
            return row[name]
        }

        func decodeNil(forKey key: Key) throws -> Bool { try cell(key).bytes == nil }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try CellDecoder(cell: try cell(key), codingPath: [key]).decode(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw DecodingError.typeMismatch(type, .init(codingPath: [key], debugDescription: "columns are flat"))
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "columns are flat"))
        }

        func superDecoder() throws -> any Decoder { PostgresRowDecoder(row: row) }
        func superDecoder(forKey key: Key) throws -> any Decoder { PostgresRowDecoder(row: row) }
    }
}

/// One column's value: the PostgreSQL types the schema uses (bigint, double precision, text, timestamptz), and
/// anything that decodes itself from one of them (the `String` raw-value enums).
private struct CellDecoder: Decoder, SingleValueDecodingContainer {
    let cell: PostgresCell
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let type = type as? any PostgresDecodable.Type {
            guard cell.bytes != nil else {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "NULL"))
            }
            return try Self.open(type, cell) as! T
        }
        return try T(from: self)
    }

    private static func open<V: PostgresDecodable>(_: V.Type, _ cell: PostgresCell) throws -> Any {
        try cell.decode(V.self)
    }

    func decodeNil() -> Bool { cell.bytes == nil }
    func decode(_ type: Bool.Type) throws -> Bool { try decodeValue(type) }
    func decode(_ type: String.Type) throws -> String { try decodeValue(type) }
    func decode(_ type: Double.Type) throws -> Double { try decodeValue(type) }
    func decode(_ type: Int.Type) throws -> Int { try decodeValue(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeValue(type) }

    private func decodeValue<V: PostgresDecodable>(_: V.Type) throws -> V {
        guard cell.bytes != nil else {
            throw DecodingError.valueNotFound(V.self, .init(codingPath: codingPath, debugDescription: "NULL"))
        }
        return try cell.decode(V.self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "a column is a value"))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self,
            .init(codingPath: codingPath, debugDescription: "a column is a value")
        )
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
}

/// A record's columns in declaration order, nil properties included (as NULL), for INSERT and UPDATE.
struct ColumnEncoder: Encoder {
    final class Columns {
        var list: [(name: String, value: SQLValue)] = []
    }

    let columns: Columns
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func columns(of record: some Encodable) throws -> [(name: String, value: SQLValue)] {
        let encoder = ColumnEncoder(columns: Columns())
        try record.encode(to: encoder)
        return encoder.columns.list
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RecordContainer<Key>(columns: columns))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("records encode as keyed containers")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        preconditionFailure("records encode as keyed containers")
    }

    struct RecordContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let columns: Columns
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { add(key, .null) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            add(key, try ValueEncoder.value(of: value, key: key))
        }

        // Optionals: the synthesized `encode(to:)` skips nil values; a full-row UPDATE must write them as NULL.
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { add(key, .null) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            add(key, value.map { .text($0) } ?? .null)
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            add(key, value.map { .integer(Int64($0)) } ?? .null)
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            add(key, value.map { .integer($0) } ?? .null)
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            add(key, value.map { .real($0) } ?? .null)
        }

        private func add(_ key: Key, _ value: SQLValue) {
            columns.list.append((key.stringValue, value))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            preconditionFailure("columns are flat")
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("columns are flat")
        }

        mutating func superEncoder() -> any Encoder { ColumnEncoder(columns: columns) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { ColumnEncoder(columns: columns) }
    }
}

/// One property's value as a column value: the plain types directly, anything else (the raw-value enums) through
/// its single-value encoding.
private final class ValueEncoder: Encoder, SingleValueEncodingContainer {
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var value: SQLValue = .null

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    static func value(of value: some Encodable, key: some CodingKey) throws -> SQLValue {
        switch value {
        case let value as Date: return .date(value)
        case let value as String: return .text(value)
        case let value as Int: return .integer(Int64(value))
        case let value as Int64: return .integer(value)
        case let value as Double: return .real(value)
        default:
            let encoder = ValueEncoder(codingPath: [key])
            try value.encode(to: encoder)
            return encoder.value
        }
    }

    func encodeNil() throws { value = .null }
    func encode(_ value: String) throws { self.value = .text(value) }
    func encode(_ value: Int) throws { self.value = .integer(Int64(value)) }
    func encode(_ value: Int64) throws { self.value = .integer(value) }
    func encode(_ value: Double) throws { self.value = .real(value) }
    func encode(_ value: Bool) throws { self.value = .integer(value ? 1 : 0) }
    func encode<T: Encodable>(_ value: T) throws {
        guard let key = codingPath.last else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "no column"))
        }
        self.value = try Self.value(of: value, key: key)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        preconditionFailure("a column holds one value")
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { preconditionFailure("a column holds one value") }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }
}
