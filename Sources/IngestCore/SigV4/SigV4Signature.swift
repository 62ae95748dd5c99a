/// The result of signing a request for the `Authorization` header.
public struct SigV4Signature: Sendable, Hashable {
    /// The headers to add to the request: `Authorization`, `X-Amz-Date`, `x-amz-content-sha256` (S3 mode) and
    /// `X-Amz-Security-Token` (with a session token).
    public let headersToAdd: [SigV4Header]
    /// The complete header list to send: the request's headers minus those replaced, followed by `headersToAdd`.
    public let requestHeaders: [SigV4Header]
    /// The `Authorization` header value.
    public let authorization: String
    /// Lowercase hex signature.
    public let signature: String
    /// `host;x-amz-date;...`.
    public let signedHeaders: String
    public let canonicalRequest: String
    public let stringToSign: String
    /// `yyyyMMdd'T'HHmmss'Z'`.
    public let amzDate: String
    /// `yyyyMMdd/region/service/aws4_request`.
    public let credentialScope: String
}
