/// Finds, before the TOML parser sees them, the mistakes on which toml++ 3 stops the whole process with a failed
/// assertion instead of reporting them (found by `make fuzz`): a table header without a name (`[` or `[[` followed by
/// a line end, `=`, `#`, `.` …) and a `}` inside an array. A daemon must answer a bad configuration line with an
/// error, never by dying.
enum TOMLPrecheck {
    /// The first such mistake, as (line, what is wrong), or nil.
    static func problem(in text: String) -> (line: Int, problem: String)? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        /// The brackets and braces of the values open here.
        var open: [Unicode.Scalar] = []
        var lineStart = true
        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        func skipString(closing quote: Unicode.Scalar, escapes: Bool) {
            let multiline = at(1) == quote && at(2) == quote
            index += multiline ? 3 : 1
            while index < scalars.count {
                let c = scalars[index]
                if escapes && c == "\\" {
                    index += 2
                    continue
                }
                if c == "\n" {
                    line += 1
                    if !multiline { return }
                }
                if c == quote && (!multiline || (at(1) == quote && at(2) == quote)) {
                    index += multiline ? 3 : 1
                    return
                }
                index += 1
            }
        }
        while index < scalars.count {
            let c = scalars[index]
            switch c {
            case "\n":
                line += 1
                lineStart = true
                index += 1
                continue
            case " ", "\t", "\r", "\u{FEFF}":
                // (A byte-order mark, which the parser skips, leaves the line's start where it was.)
                index += 1
                continue
            case "#":
                while index < scalars.count && scalars[index] != "\n" { index += 1 }
                continue
            case "\"", "'":
                skipString(closing: c, escapes: c == "\"")
            case "[" where open.isEmpty && lineStart:
                index += at(1) == "[" ? 2 : 1
                while let next = at(0), next == " " || next == "\t" { index += 1 }
                guard let next = at(0), isKeyStart(next) else {
                    let found = at(0).map { $0 == "\n" || $0 == "\r" ? "the end of the line" : "'\($0)'" } ?? "the end"
                    return (line, "a table header needs a name, found \(found)")
                }
            case "[", "{":
                open.append(c)
                index += 1
            case "}" where open.last == "[":
                return (line, "'}' inside an array: close it with ']'")
            case "]", "}":
                _ = open.popLast()
                index += 1
            default:
                index += 1
            }
            lineStart = false
        }
        return nil
    }

    /// What may start a key: a bare key character, a quote, or the closing bracket of an empty header (which the
    /// parser reports itself).
    static func isKeyStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
            || c == "\"" || c == "'" || c == "]"
    }
}
