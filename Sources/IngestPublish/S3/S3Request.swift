import IngestCore

/// One S3 call before signing. Plain values: it is rebuilt and re-signed (fresh date) on every retry.
public struct S3Request: Sendable {
    public enum Body: Sendable, Equatable {
        case none
        case bytes([UInt8])
        /// A byte range of a file, streamed and never loaded whole; sent as `UNSIGNED-PAYLOAD` with a
        /// `Content-MD5` the server checks.
        case fileRegion(path: String, offset: Int64, length: Int64)
    }

    /// For messages: `PutObject`, `UploadPart`, ...
    public var operation: String
    public var method: String
    /// nil addresses the bucket.
    public var key: String?
    public var query: [SigV4QueryItem] = []
    /// Extra headers, all signed.
    public var headers: [SigV4Header] = []
    public var body: Body = .none

    public init(
        operation: String,
        method: String,
        key: String?,
        query: [SigV4QueryItem] = [],
        headers: [SigV4Header] = [],
        body: Body = .none
    ) {
        self.operation = operation
        self.method = method
        self.key = key
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A successful (2xx) reply.
public struct S3Response: Sendable {
    public let status: Int
    public let headers: CurlHeaders
    public let body: [UInt8]
    public let bytesSent: Int64

    public var text: String { String(decoding: body, as: UTF8.self) }
}
