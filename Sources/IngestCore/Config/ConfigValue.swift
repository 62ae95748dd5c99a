import TOMLKit

/// A parsed TOML document as plain Sendable data, so nothing outside this file touches TOMLKit's types.
public indirect enum ConfigValue: Sendable, Equatable {
    case table([String: ConfigValue])
    case array([ConfigValue])
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    /// Dates and times: valid TOML, but no key of ours takes one.
    case other(String)

    /// The word an error message uses for this value's type.
    public var typeName: String {
        switch self {
        case .table: "table"
        case .array: "array"
        case .string: "string"
        case .integer: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .other(let name): name
        }
    }

    /// Parses TOML text; syntax errors carry the line and column.
    public static func parse(toml text: String, file: String) throws(ConfigErrors) -> [String: ConfigValue] {
        if let (line, problem) = TOMLPrecheck.problem(in: text) {
            throw ConfigErrors([
                ConfigIssue(file: file, key: nil, problem: "TOML syntax error at line \(line): \(problem)")
            ])
        }
        do {
            let table = try TOMLTable(string: text)
            // TOMLKit never frees a parsed document (TOMLTable has no deinit): clearing it frees every value in it,
            // about 30 KiB for the example agent.toml, which every reload would otherwise leak. Only the empty root
            // and the key lists TOMLKit hands out stay allocated.
            defer { table.clear() }
            return convert(table)
        } catch let error as TOMLParseError {
            let position = "line \(error.source.begin.line), column \(error.source.begin.column)"
            throw ConfigErrors([
                ConfigIssue(file: file, key: nil, problem: "TOML syntax error at \(position): \(error.description)")
            ])
        } catch {
            throw ConfigErrors([ConfigIssue(file: file, key: nil, problem: "cannot parse TOML: \(error)")])
        }
    }

    private static func convert(_ table: TOMLTable) -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for key in table.keys {
            if let value = table[key] {
                result[key] = convert(value)
            }
        }
        return result
    }

    private static func convert(_ value: TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map(convert) } ?? [])
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .date, .time, .dateTime: return .other(value.type.description)
        }
    }
}
