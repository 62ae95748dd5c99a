/// URI encoding as AWS Signature Version 4 defines it (`UriEncode()` in the AWS docs).
///
/// Every UTF-8 byte is percent-encoded with uppercase hex (`%2F`), except the unreserved characters
/// `A-Z a-z 0-9 - _ . ~`, and except `/` when encoding a path. A space is `%20`, never `+`.
public enum URIEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Percent-encodes `string`. `/` is kept when `keepingSlash` is true (object key paths), encoded as `%2F`
    /// otherwise (query names and values).
    public static func encode(_ string: String, keepingSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-encodes a path, keeping `/`.
    public static func encodePath(_ path: String) -> String {
        encode(path, keepingSlash: true)
    }

    /// Normalises a path the way the generic SigV4 rules want it: empty and `.` segments are dropped, `..`
    /// removes the segment before it (never going above the root), and a trailing `/` is kept when the input
    /// had one. The result always starts with `/`: `//example//` -> `/example/`, `/a/b/../..` -> `/`.
    public static func normalizePath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".":
                continue
            case "..":
                _ = segments.popLast()
            default:
                segments.append(segment)
            }
        }
        var result = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/") && !segments.isEmpty {
            result += "/"
        }
        return result
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
