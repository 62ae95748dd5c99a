/// Why a request could not be signed.
public enum SigV4Error: Error, Sendable, Hashable {
    /// The request has no `Host` header. SigV4 requires the host to be signed.
    case missingHostHeader
    /// A header name is empty or holds a character that is not allowed in an HTTP field name.
    case invalidHeaderName(String)
    /// A presigned URL's lifetime must be between 1 and 604800 seconds (7 days).
    case invalidExpiry(Int)
    /// The date is not finite or lies outside the years 1...9999.
    case invalidDate
}
