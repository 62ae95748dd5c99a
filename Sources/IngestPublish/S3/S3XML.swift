/// Just enough XML reading for S3's replies, which are flat and machine-written: the text of named elements and
/// the blocks of repeated ones. Avoids FoundationXML (and libxml2) for a handful of tags.
enum S3XML {
    /// The text of every `<tag>...</tag>` in order, entities decoded.
    static func values(_ tag: String, in xml: String) -> [String] {
        blocks(tag, in: xml).map(decode)
    }

    static func value(_ tag: String, in xml: String) -> String? {
        values(tag, in: xml).first
    }

    /// The raw inner text of every `<tag>...</tag>` (for nested elements such as `<Part>`).
    static func blocks(_ tag: String, in xml: String) -> [String] {
        let open = "<\(tag)>"
        let close = "</\(tag)>"
        var result: [String] = []
        var rest = xml[...]
        while let start = rest.range(of: open) {
            guard let end = rest.range(of: close, range: start.upperBound..<rest.endIndex) else { break }
            result.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return result
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return
            text
            .replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#34;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
