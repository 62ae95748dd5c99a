/// Reads one TOML table against what the agent knows: every key read is remembered, so `finish()`
/// can name the keys nobody asked for (a typo must not silently fall back to a default).
final class TableReader {
    let file: String
    let path: String
    private let table: [String: ConfigValue]
    private var known: Set<String> = []
    private let issues: IssueList

    init(file: String, path: String, table: [String: ConfigValue], issues: IssueList) {
        self.file = file
        self.path = path
        self.table = table
        self.issues = issues
    }

    func keyPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func fail(_ key: String?, _ problem: String) {
        issues.add(ConfigIssue(file: file, key: key.map(keyPath), problem: problem))
    }

    func has(_ key: String) -> Bool {
        known.insert(key)
        return table[key] != nil
    }

    /// The raw value, marking the key as known.
    func value(_ key: String) -> ConfigValue? {
        known.insert(key)
        return table[key]
    }

    private func typed<T>(_ key: String, _ expected: String, _ extract: (ConfigValue) -> T?) -> T? {
        guard let raw = value(key) else { return nil }
        guard let result = extract(raw) else {
            fail(key, "expected \(expected), found \(raw.typeName)")
            return nil
        }
        return result
    }

    func string(_ key: String, default fallback: String) -> String {
        typed(key, "a string") { if case .string(let s) = $0 { s } else { nil } } ?? fallback
    }

    func optionalString(_ key: String) -> String? {
        let text = typed(key, "a string") { if case .string(let s) = $0 { s } else { nil } }
        return text?.isEmpty == true ? nil : text
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        typed(key, "true or false") { if case .bool(let b) = $0 { b } else { nil } } ?? fallback
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let number = typed(key, "an integer", { if case .integer(let i) = $0 { i } else { nil } }) else {
            return fallback
        }
        guard range.contains(number) else {
            fail(key, "out of range: \(number) (allowed \(range.lowerBound)...\(range.upperBound))")
            return fallback
        }
        return number
    }

    func double(_ key: String, default fallback: Double, range: ClosedRange<Double>) -> Double {
        let number = typed(key, "a number") { value -> Double? in
            switch value {
            case .integer(let i): Double(i)
            case .double(let d): d
            default: nil
            }
        }
        guard let number else { return fallback }
        guard range.contains(number) else {
            fail(key, "out of range: \(number) (allowed \(range.lowerBound)...\(range.upperBound))")
            return fallback
        }
        return number
    }

    /// A size: integer bytes or a string with a unit (`16MiB`).
    func bytes(_ key: String, default fallback: Int64, range: ClosedRange<Int64>) -> Int64 {
        guard let raw = value(key) else { return fallback }
        let parsed: Int64?
        switch raw {
        case .integer(let i): parsed = Int64(i)
        case .string(let s):
            parsed = Units.bytes(s)
            if parsed == nil {
                fail(key, "not a size: \"\(s)\" (use bytes or a unit: KiB, MiB, GiB, KB, MB, GB)")
                return fallback
            }
        default:
            fail(key, "expected a size such as \"16MiB\", found \(raw.typeName)")
            return fallback
        }
        guard let parsed, range.contains(parsed) else {
            let shown = parsed.map(String.init) ?? "?"
            fail(
                key,
                "out of range: \(shown) bytes (allowed \(Units.formatBytes(range.lowerBound))"
                    + "...\(Units.formatBytes(range.upperBound)))"
            )
            return fallback
        }
        return parsed
    }

    /// A duration: integer seconds or a string with a unit (`30s`, `5m`, `2h`).
    func duration(_ key: String, default fallback: Duration, range: ClosedRange<Duration>) -> Duration {
        guard let raw = value(key) else { return fallback }
        let parsed: Duration?
        switch raw {
        case .integer(let i): parsed = i >= 0 ? .seconds(i) : nil
        case .string(let s): parsed = Units.duration(s)
        default:
            fail(key, "expected a duration such as \"30s\", found \(raw.typeName)")
            return fallback
        }
        guard let parsed else {
            fail(key, "not a duration (use a number of seconds or a unit: ms, s, m, h, d)")
            return fallback
        }
        guard range.contains(parsed) else {
            fail(
                key,
                "out of range: \(Units.formatDuration(parsed)) (allowed \(Units.formatDuration(range.lowerBound))"
                    + "...\(Units.formatDuration(range.upperBound)))"
            )
            return fallback
        }
        return parsed
    }

    /// A bitrate: integer bits/s or `5000k`, `5M`.
    func bitrate(_ key: String, default fallback: Int) -> Int {
        guard let raw = value(key) else { return fallback }
        switch raw {
        case .integer(let i) where i > 0: return i
        case .string(let s):
            if let rate = Units.bitrate(s) { return rate }
            fail(key, "not a bitrate: \"\(s)\" (use bits per second or k/M, e.g. \"5000k\")")
        default:
            fail(key, "expected a bitrate such as \"5000k\", found \(raw.typeName)")
        }
        return fallback
    }

    func strings(_ key: String, default fallback: [String]) -> [String] {
        guard let raw = value(key) else { return fallback }
        guard case .array(let items) = raw else {
            fail(key, "expected an array of strings, found \(raw.typeName)")
            return fallback
        }
        var result: [String] = []
        for item in items {
            guard case .string(let s) = item else {
                fail(key, "expected an array of strings, found an element of type \(item.typeName)")
                return fallback
            }
            result.append(s)
        }
        return result
    }

    func numbers(_ key: String, default fallback: [Double]) -> [Double] {
        guard let raw = value(key) else { return fallback }
        guard case .array(let items) = raw else {
            fail(key, "expected an array of numbers, found \(raw.typeName)")
            return fallback
        }
        var result: [Double] = []
        for item in items {
            switch item {
            case .integer(let i): result.append(Double(i))
            case .double(let d): result.append(d)
            default:
                fail(key, "expected an array of numbers, found an element of type \(item.typeName)")
                return fallback
            }
        }
        return result
    }

    /// A sub-table, or nil (and an error) when the key holds something else.
    func table(_ key: String) -> TableReader? {
        guard let raw = value(key) else { return nil }
        guard case .table(let inner) = raw else {
            fail(key, "expected a table ([\(keyPath(key))]), found \(raw.typeName)")
            return nil
        }
        return TableReader(file: file, path: keyPath(key), table: inner, issues: issues)
    }

    /// An array of tables (`[[profiles.default.renditions]]` or an inline array of tables).
    func tables(_ key: String) -> [TableReader]? {
        guard let raw = value(key) else { return nil }
        guard case .array(let items) = raw else {
            fail(key, "expected an array of tables, found \(raw.typeName)")
            return nil
        }
        var readers: [TableReader] = []
        for (index, item) in items.enumerated() {
            guard case .table(let inner) = item else {
                fail(key, "element \(index + 1) is a \(item.typeName), expected a table")
                return nil
            }
            readers.append(TableReader(file: file, path: "\(keyPath(key))[\(index + 1)]", table: inner, issues: issues))
        }
        return readers
    }

    /// Keys of a table whose entries are all tables (`[profiles.NAME]`).
    var keys: [String] {
        table.keys.sorted()
    }

    /// Reports every key that no reader method asked for.
    func finish() {
        for key in table.keys.sorted() where !known.contains(key) {
            let hint =
                known.min { editDistance(key, $0) < editDistance(key, $1) }
                .flatMap { editDistance(key, $0) <= 2 ? " (did you mean '\($0)'?)" : nil } ?? ""
            fail(key, "unknown key\(hint)")
        }
    }
}

/// Collects issues across all readers of one load.
final class IssueList {
    private(set) var items: [ConfigIssue] = []

    func add(_ issue: ConfigIssue) {
        items.append(issue)
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
