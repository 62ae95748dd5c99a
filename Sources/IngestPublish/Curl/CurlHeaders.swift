/// One response header, as received (name case preserved, value trimmed of surrounding whitespace).
public struct CurlHeaderField: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Response headers in arrival order, with case-insensitive lookup (HTTP field names are case-insensitive).
public struct CurlHeaders: Sendable, Equatable {
    /// For example "HTTP/1.1 200 OK"; nil for protocols without a status line (file://).
    public let statusLine: String?
    public let fields: [CurlHeaderField]

    public init(statusLine: String? = nil, fields: [CurlHeaderField] = []) {
        self.statusLine = statusLine
        self.fields = fields
    }

    /// The first value for `name`, compared case-insensitively.
    public subscript(_ name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    /// Every value for `name` in arrival order (repeated headers are kept separate, not comma-joined).
    public func values(for name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    /// ASCII case-insensitive comparison; field names are ASCII tokens, so no Unicode folding is wanted.
    static func sameName(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        return zip(left, right).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}

/// Accumulates header lines as curl's header callback delivers them (one complete line per call).
struct CurlHeaderParser {
    private var statusLine: String?
    private var fields: [CurlHeaderField] = []

    var headers: CurlHeaders {
        CurlHeaders(statusLine: statusLine, fields: fields)
    }

    mutating func reset() {
        statusLine = nil
        fields = []
    }

    mutating func consume(line bytes: UnsafeRawBufferPointer) {
        consume(line: String(decoding: bytes, as: UTF8.self))
    }

    mutating func consume(line raw: String) {
        var line = Substring(raw)
        // isNewline, not == "\r": Swift treats "\r\n" as one Character, which equals neither "\r" nor "\n".
        while let last = line.last, last.isNewline {
            line.removeLast()
        }
        if line.isEmpty {
            return  // The blank line ending a header block.
        }
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new block (after 100 Continue or a redirect): keep only the final one.
            statusLine = String(line)
            fields = []
            return
        }
        if let first = line.first, first == " " || first == "\t" {
            // Obsolete line folding: the line continues the previous field's value.
            if let previous = fields.popLast() {
                let continuation = Self.trimmed(line)
                let joined = previous.value.isEmpty ? continuation : previous.value + " " + continuation
                fields.append(CurlHeaderField(name: previous.name, value: joined))
            }
            return
        }
        guard let colon = line.firstIndex(of: ":") else {
            return  // Not a field (for example an FTP server reply line); nothing to record.
        }
        let name = Self.trimmed(line[..<colon])
        guard !name.isEmpty else { return }
        let value = Self.trimmed(line[line.index(after: colon)...])
        fields.append(CurlHeaderField(name: name, value: value))
    }

    private static func trimmed(_ text: Substring) -> String {
        var text = text
        while let first = text.first, first == " " || first == "\t" {
            text.removeFirst()
        }
        while let last = text.last, last == " " || last == "\t" {
            text.removeLast()
        }
        return String(text)
    }
}
