/// The canonicalisation steps shared by header signing and presigning.
enum SigV4Canonical {
    /// The canonical headers block (each line `name:value\n`) and the `SignedHeaders` list.
    struct Headers: Sendable, Hashable {
        let block: String
        let signedHeaders: String
    }

    /// Lowercases and sorts the names, trims every value and collapses its inner whitespace runs to one space,
    /// and joins the values of a repeated header with `,` in the order they were given.
    static func headers(_ headers: [SigV4Header]) throws(SigV4Error) -> Headers {
        var valuesByName: [String: [String]] = [:]
        for header in headers {
            guard isValidFieldName(header.name) else {
                throw .invalidHeaderName(header.name)
            }
            valuesByName[header.name.lowercased(), default: []].append(trimAll(header.value))
        }
        guard valuesByName["host"] != nil else {
            throw .missingHostHeader
        }
        let names = valuesByName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in names {
            block += name + ":" + (valuesByName[name] ?? []).joined(separator: ",") + "\n"
        }
        return Headers(block: block, signedHeaders: names.joined(separator: ";"))
    }

    /// Encodes every name and value (a `/` included), sorts by encoded name then encoded value, byte-wise, and
    /// joins them as `name=value&...`. A parameter without a value gives `name=`.
    static func query(_ items: [SigV4QueryItem]) -> String {
        items
            .map { (name: URIEncoding.encode($0.name), value: URIEncoding.encode($0.value)) }
            .sorted { lhs, rhs in
                lhs.name == rhs.name
                    ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                    : lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
            }
            .map { $0.name + "=" + $0.value }
            .joined(separator: "&")
    }

    /// The canonical URI of a raw path in the given mode.
    static func uri(_ rawPath: String, mode: SigV4Mode) -> String {
        let rooted = rawPath.hasPrefix("/") ? rawPath : "/" + rawPath
        switch mode {
        case .s3:
            return URIEncoding.encodePath(rooted)
        case .generic:
            return URIEncoding.encodePath(URIEncoding.encodePath(URIEncoding.normalizePath(rooted)))
        }
    }

    static func request(method: String, uri: String, query: String, headers: Headers, payloadHash: String) -> String {
        [method, uri, query, headers.block, headers.signedHeaders, payloadHash].joined(separator: "\n")
    }

    static func stringToSign(amzDate: String, credentialScope: String, canonicalRequest: String) -> String {
        [SigV4Signer.algorithm, amzDate, credentialScope, SigV4Hex.sha256(canonicalRequest)]
            .joined(separator: "\n")
    }

    /// Removes leading and trailing whitespace and turns every inner run of spaces, tabs or line breaks into a
    /// single space.
    static func trimAll(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                pendingSpace = !out.isEmpty
            default:
                if pendingSpace {
                    out.append(UInt8(ascii: " "))
                    pendingSpace = false
                }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An HTTP field name is a non-empty RFC 9110 token.
    static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenCharacter)
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        if URIEncoding.isUnreserved(byte) {
            return true
        }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "^"), UInt8(ascii: "`"),
            UInt8(ascii: "|"):
            return true
        default:
            return false
        }
    }
}
