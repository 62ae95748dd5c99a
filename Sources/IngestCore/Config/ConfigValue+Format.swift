import Foundation

extension ConfigValue {
    /// Compact JSON with sorted keys.
    public var json: String {
        switch self {
        case .table(let entries):
            let body = entries.keys.sorted().map { "\(Self.quote($0)):\(entries[$0]?.json ?? "null")" }
            return "{" + body.joined(separator: ",") + "}"
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .string(let s), .other(let s): return Self.quote(s)
        case .integer(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    /// A TOML document for a top-level table: scalars first, then `[sections]`, then `[[arrays of tables]]`.
    public static func toml(_ root: [String: ConfigValue]) -> String {
        var out = ""
        writeTable(root, path: [], into: &out)
        return out
    }

    private static func writeTable(_ table: [String: ConfigValue], path: [String], into out: inout String) {
        let keys = table.keys.sorted()
        var nested: [(String, ConfigValue)] = []
        for key in keys {
            guard let value = table[key] else { continue }
            if case .table = value {
                nested.append((key, value))
            } else if case .array(let items) = value, !items.isEmpty,
                items.allSatisfy({ if case .table = $0 { true } else { false } })
            {
                nested.append((key, value))
            } else {
                out += "\(bareKey(key)) = \(value.inlineTOML)\n"
            }
        }
        for (key, value) in nested {
            let childPath = path + [bareKey(key)]
            if case .table(let inner) = value {
                out += "\n[\(childPath.joined(separator: "."))]\n"
                writeTable(inner, path: childPath, into: &out)
            } else if case .array(let items) = value {
                for case .table(let inner) in items {
                    out += "\n[[\(childPath.joined(separator: "."))]]\n"
                    writeTable(inner, path: childPath, into: &out)
                }
            }
        }
    }

    var inlineTOML: String {
        switch self {
        case .table(let entries):
            let body = entries.keys.sorted().map { "\(Self.bareKey($0)) = \(entries[$0]?.inlineTOML ?? "\"\"")" }
            return "{ " + body.joined(separator: ", ") + " }"
        case .array(let items): return "[" + items.map(\.inlineTOML).joined(separator: ", ") + "]"
        default: return json
        }
    }

    private static func bareKey(_ key: String) -> String {
        let bare =
            !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        return bare ? key : quote(key)
    }

    /// A JSON string literal, which is also a valid TOML basic string.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
