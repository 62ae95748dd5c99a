/// Makes values safe to put in a one-line log entry. A file name is chosen by whoever writes to the share, so it may
/// hold a newline (`forge\nFORGED-LINE job 999 published.mp4`), quotes, terminal escapes or bytes that are not
/// UTF-8; written as they are, journald would store a line of its own that the agent never wrote.
public enum LogText {
    /// A metadata value: as it is when it is one plain word, otherwise in double quotes with `\"`, `\\`, `\n`, `\r`,
    /// `\t`, `\u{…}` for other control and format characters, and `\xHH` for file-name bytes that are not UTF-8.
    /// A value can therefore never end its entry, start another, or pass for another `key=value`.
    public static func value(_ text: String) -> String {
        guard text.isEmpty || text.unicodeScalars.contains(where: needsQuotes) else { return text }
        return "\"" + escaped(text, quote: true) + "\""
    }

    /// A message: left unquoted (readers grep for it), with the same escapes for anything that could break the line.
    public static func message(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        return escaped(text, quote: false)
    }

    static func escaped(_ text: String, quote: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"" where quote: out += "\\\""
            case "\\" where quote: out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if FileSystemName.isEscape(scalar) {
                    out += FileSystemName.readable(String(scalar))
                } else if isUnsafe(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func needsQuotes(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\"" || scalar == "\\" || scalar == "=" || isUnsafe(scalar)
            || scalar.properties.isWhitespace
    }

    /// Control characters (C0, DEL, C1: newline, carriage return, escape…), format characters (bidirectional
    /// overrides that reorder what a terminal shows), line and paragraph separators, and file-name bytes that are
    /// not UTF-8.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return FileSystemName.isEscape(scalar)
        }
    }
}
