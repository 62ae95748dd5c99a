import Foundation

/// The result of presigning a request: the pieces of the URL, plus what was signed.
public struct SigV4PresignedURL: Sendable, Hashable {
    /// The `Host` header value the URL was signed for (it may carry a `:port`).
    public let host: String
    /// The path as it goes on the wire (URI-encoded once).
    public let encodedPath: String
    /// Every query parameter, raw (unencoded), ending with `X-Amz-Signature`.
    public let queryItems: [SigV4QueryItem]
    /// The query string to send, without the leading `?`: the canonical query followed by `&X-Amz-Signature=`.
    public let encodedQuery: String
    /// Lowercase hex signature.
    public let signature: String
    /// `host;...`.
    public let signedHeaders: String
    public let canonicalRequest: String
    public let stringToSign: String
    /// `yyyyMMdd'T'HHmmss'Z'`.
    public let amzDate: String
    /// `yyyyMMdd/region/service/aws4_request`.
    public let credentialScope: String

    /// `scheme://host/encodedPath?encodedQuery`, or nil if Foundation rejects the result (e.g. a bad host).
    public func url(scheme: String = "https") -> URL? {
        URL(string: "\(scheme)://\(host)\(encodedPath)?\(encodedQuery)")
    }
}
