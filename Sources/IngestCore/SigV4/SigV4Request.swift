import Crypto
import Foundation

/// One HTTP header. Names are compared case-insensitively; a name may occur more than once.
public struct SigV4Header: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, *not* percent-encoded (the signer encodes it).
///
/// A parameter without a value, such as `?uploads`, is a value of `""`; it is canonicalised as `uploads=`.
public struct SigV4QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String = "") {
        self.name = name
        self.value = value
    }
}

/// The hash of a request body as it goes into the canonical request (and into `x-amz-content-sha256` in S3 mode).
public struct SigV4Payload: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the body, or the literal `UNSIGNED-PAYLOAD`.
    public let hash: String

    /// Uses a hash computed elsewhere, e.g. while streaming a file. It must be lowercase hex SHA-256 (or one of
    /// the literals S3 accepts in `x-amz-content-sha256`); it is used verbatim.
    public init(precomputedHash: String) {
        self.hash = precomputedHash
    }

    /// The SHA-256 of an empty body: `e3b0c442...b855`.
    public static let empty = SigV4Payload(precomputedHash: SigV4Hex.sha256(Data()))

    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature (S3 only).
    public static let unsigned = SigV4Payload(precomputedHash: "UNSIGNED-PAYLOAD")

    /// Hashes a body held in memory.
    public static func sha256<Bytes: DataProtocol>(of body: Bytes) -> SigV4Payload {
        SigV4Payload(precomputedHash: SigV4Hex.sha256(body))
    }
}

/// A request to sign.
///
/// `path` is the **raw, unencoded** path: an S3 object key is given as it is named (`/photos/my cat.jpg`,
/// `/test$file.text`), never percent-encoded; the signer encodes it (see `SigV4Mode`). `encodedPath` is the form
/// to put on the wire. Likewise query names and values are raw and encoded by the signer.
public struct SigV4Request: Sendable, Hashable {
    /// The HTTP method, e.g. `GET`. Used verbatim (methods are case-sensitive).
    public var method: String
    /// The raw, unencoded path. It should start with `/`; one is prepended if it does not.
    public var path: String
    /// Query parameters, raw (unencoded), in any order.
    public var queryItems: [SigV4QueryItem]
    /// Request headers. A `Host` header is required. Every header given here is signed.
    public var headers: [SigV4Header]
    /// The hash of the body.
    public var payload: SigV4Payload

    public init(
        method: String,
        path: String,
        queryItems: [SigV4QueryItem] = [],
        headers: [SigV4Header] = [],
        payload: SigV4Payload = .empty
    ) {
        self.method = method
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.payload = payload
    }

    /// The value of the first `Host` header, if any.
    public var host: String? {
        headers.first { $0.name.lowercased() == "host" }?.value
    }

    /// The path as it goes on the wire: URI-encoded once, `/` kept, not normalised.
    public var encodedPath: String {
        URIEncoding.encodePath(path.hasPrefix("/") ? path : "/" + path)
    }
}

/// Hex and hash helpers shared by the signer.
enum SigV4Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        encode(SHA256.hash(data: bytes))
    }

    static func sha256(_ string: String) -> String {
        sha256(Data(string.utf8))
    }
}
