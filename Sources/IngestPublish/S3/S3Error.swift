/// A failed S3 operation. Every case says which operation failed; `description` adds what to fix when the
/// failure is one a retry cannot cure. Never carries credentials.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error status. `code` is S3's error code (`SignatureDoesNotMatch`), or
    /// `HTTP <status>` when there was no error document (HEAD).
    case service(operation: String, status: Int, code: String, message: String, requestID: String?, bucket: String)
    /// No usable HTTP answer: connection refused, reset, timed out, TLS failure.
    case transport(operation: String, CurlError)
    /// The server's ETag does not match the MD5 computed locally.
    case integrity(operation: String, detail: String)
    /// A 2xx answer we could not understand.
    case invalidResponse(operation: String, detail: String)
    case invalidEndpoint(String)
    /// The local source could not be read.
    case localFile(String)
    /// The upload journal (SQLite) failed.
    case journal(String)

    /// Whether trying again can help: 5xx, `SlowDown`, `RequestTimeout`, throttling, connection failures and
    /// integrity mismatches (a corrupted transfer). Authentication and permission errors never are.
    public var isRetryable: Bool {
        switch self {
        case .service(_, let status, let code, _, _, _):
            if Self.retryableCodes.contains(code) { return true }
            return status >= 500 || status == 429
        case .transport(_, let error):
            if error.abortReason != nil { return false }
            return Self.retryableCurlCodes.contains(error.code)
        case .integrity:
            return true
        case .invalidResponse, .invalidEndpoint, .localFile, .journal:
            return false
        }
    }

    /// S3's error code, for callers that handle one specially (`NoSuchUpload`).
    public var code: String? {
        if case .service(_, _, let code, _, _, _) = self { return code }
        return nil
    }

    static let retryableCodes: Set<String> = [
        "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException",
    ]

    static let retryableCurlCodes: Set<Int> = [
        CurlError.Code.couldntConnect, CurlError.Code.couldntResolveHost, CurlError.Code.operationTimedOut,
        CurlError.Code.sendError, CurlError.Code.recvError, CurlError.Code.gotNothing, CurlError.Code.partialFile,
        CurlError.Code.sslConnectError,
    ]

    public var description: String {
        switch self {
        case .service(let operation, let status, let code, let message, let requestID, let bucket):
            var text = "\(operation) failed: \(code) (HTTP \(status))"
            if !message.isEmpty { text += ": \(message)" }
            if let hint = Self.hint(code: code, status: status, bucket: bucket) {
                text += (text.hasSuffix(".") ? " " : ". ") + hint
            }
            if let requestID { text += " [request id \(requestID)]" }
            return text
        case .transport(let operation, let error):
            var text = "\(operation) failed: \(error)"
            if error.code == CurlError.Code.peerFailedVerification {
                text += ". The server's TLS certificate is not trusted: set storage.ca_bundle to the CA that signed it"
            }
            return text
        case .integrity(let operation, let detail):
            return "\(operation) failed: the data stored differs from the data sent (\(detail))"
        case .invalidResponse(let operation, let detail):
            return "\(operation) failed: unexpected answer from the server (\(detail))"
        case .invalidEndpoint(let detail):
            return "invalid S3 endpoint: \(detail)"
        case .localFile(let detail):
            return "cannot read the local file: \(detail)"
        case .journal(let detail):
            return "cannot record the upload in the job database: \(detail)"
        }
    }

    /// What the operator should change, for the errors a retry cannot fix.
    static func hint(code: String, status: Int, bucket: String) -> String? {
        switch code {
        case "SignatureDoesNotMatch":
            return "The secret access key does not match the access key id: check AWS_SECRET_ACCESS_KEY "
                + "(or storage.credentials_file)"
        case "InvalidAccessKeyId":
            return "The server does not know this access key id: check AWS_ACCESS_KEY_ID "
                + "(or storage.credentials_file) and that storage.endpoint points at the right server"
        case "AccessDenied":
            return "The credentials are valid but not allowed to do this on bucket \(bucket): grant them "
                + "s3:PutObject, s3:GetObject, s3:AbortMultipartUpload, s3:ListMultipartUploadParts and "
                + "s3:ListBucketMultipartUploads"
        case "NoSuchBucket":
            return "Bucket \(bucket) does not exist on this endpoint: create it, or fix storage.url / --endpoint"
        case "RequestTimeTooSkewed":
            return "This machine's clock is off by more than 15 minutes: fix time synchronisation (NTP)"
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
            return "The bucket lives in another region: set storage.region (or --region) to the bucket's region"
        case "InvalidBucketName":
            return "\(bucket) is not a valid bucket name: fix storage.url"
        case "HTTP 403":
            return "Access refused: check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and their rights"
        default:
            return nil
        }
    }
}
