internal import CCurl

/// A failure reported by libcurl (or by one of our callbacks through libcurl), with curl's own numbers and text.
///
/// Every call into curl goes through `CurlError.check(_:errorBuffer:)` / `CurlError.check(multi:)`, so callers only
/// ever see this one error type from the curl layer.
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which curl API family produced `code`; easy (`CURLcode`) and multi (`CURLMcode`) numbers overlap.
    public enum Kind: Sendable, Equatable {
        case easy
        case multi
    }

    public let kind: Kind
    /// The numeric `CURLcode` or `CURLMcode`.
    public let code: Int
    /// `curl_easy_strerror` / `curl_multi_strerror` for `code`.
    public let message: String
    /// The `CURLOPT_ERRORBUFFER` text for this transfer, when curl wrote one (often more specific than `message`).
    public let detail: String?
    /// Set when one of our own callbacks stopped the transfer; `code` is then what curl made of that
    /// (for example `CURLE_WRITE_ERROR` for an oversized response body).
    public let abortReason: CurlAbortReason?

    public init(kind: Kind, code: Int, message: String, detail: String? = nil, abortReason: CurlAbortReason? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.abortReason = abortReason
    }

    public var description: String {
        var text = "curl \(kind == .easy ? "error" : "multi error") \(code): \(message)"
        if let detail, !detail.isEmpty, detail != message {
            text += " (\(detail))"
        }
        if let abortReason {
            text += " [\(abortReason)]"
        }
        return text
    }
}

/// Why one of our callbacks told curl to stop a transfer.
public enum CurlAbortReason: Sendable, Equatable, CustomStringConvertible {
    /// The in-memory response body would have grown past `limit` bytes.
    case responseBodyTooLarge(limit: Int)
    /// The response body sink closure threw; the payload is the thrown error's description.
    case responseSinkFailed(String)
    /// Reading the request body failed (I/O error, or the source file shrank under us).
    case requestBodyReadFailed(FileRegionError)
    /// The progress handler returned `false`.
    case cancelledByProgressHandler

    public var description: String {
        switch self {
        case .responseBodyTooLarge(let limit): "response body larger than the \(limit)-byte limit"
        case .responseSinkFailed(let message): "response sink failed: \(message)"
        case .requestBodyReadFailed(let error): "request body read failed: \(error)"
        case .cancelledByProgressHandler: "cancelled by progress handler"
        }
    }
}

extension CurlError {
    /// Well-known `CURLcode` values for callers that classify failures (retryable or not) without importing curl.
    public enum Code {
        public static let ok = Int(CURLE_OK.rawValue)
        public static let unsupportedProtocol = Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue)
        public static let failedInit = Int(CURLE_FAILED_INIT.rawValue)
        public static let urlMalformat = Int(CURLE_URL_MALFORMAT.rawValue)
        public static let couldntResolveProxy = Int(CURLE_COULDNT_RESOLVE_PROXY.rawValue)
        public static let couldntResolveHost = Int(CURLE_COULDNT_RESOLVE_HOST.rawValue)
        public static let couldntConnect = Int(CURLE_COULDNT_CONNECT.rawValue)
        public static let partialFile = Int(CURLE_PARTIAL_FILE.rawValue)
        public static let writeError = Int(CURLE_WRITE_ERROR.rawValue)
        public static let readError = Int(CURLE_READ_ERROR.rawValue)
        public static let outOfMemory = Int(CURLE_OUT_OF_MEMORY.rawValue)
        public static let operationTimedOut = Int(CURLE_OPERATION_TIMEDOUT.rawValue)
        public static let sslConnectError = Int(CURLE_SSL_CONNECT_ERROR.rawValue)
        public static let fileCouldntReadFile = Int(CURLE_FILE_COULDNT_READ_FILE.rawValue)
        public static let abortedByCallback = Int(CURLE_ABORTED_BY_CALLBACK.rawValue)
        public static let badFunctionArgument = Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue)
        public static let gotNothing = Int(CURLE_GOT_NOTHING.rawValue)
        public static let sendError = Int(CURLE_SEND_ERROR.rawValue)
        public static let recvError = Int(CURLE_RECV_ERROR.rawValue)
        public static let peerFailedVerification = Int(CURLE_PEER_FAILED_VERIFICATION.rawValue)
    }
}

// MARK: - The chokepoint from C result codes to Swift errors

extension CurlError {
    /// Builds the error for an easy-interface `CURLcode`, reading the handle's error buffer if one is given.
    init(easyCode: CURLcode, errorBuffer: UnsafePointer<CChar>? = nil, abortReason: CurlAbortReason? = nil) {
        let message = curl_easy_strerror(easyCode).map { String(cString: $0) } ?? "unknown curl error"
        var detail: String?
        if let errorBuffer, errorBuffer.pointee != 0 {
            detail = String(cString: errorBuffer)
        }
        self.init(
            kind: .easy,
            code: Int(easyCode.rawValue),
            message: message,
            detail: detail,
            abortReason: abortReason
        )
    }

    /// Builds the error for a multi-interface `CURLMcode`.
    init(multiCode: CURLMcode) {
        let message = curl_multi_strerror(multiCode).map { String(cString: $0) } ?? "unknown curl multi error"
        self.init(kind: .multi, code: Int(multiCode.rawValue), message: message)
    }

    /// Same mapping from a plain number, for code that only has the integer (and for tests, which do not import
    /// the C module).
    init(easyCodeValue value: Int) {
        self.init(easyCode: CURLcode(rawValue: .init(truncatingIfNeeded: value)))
    }

    init(multiCodeValue value: Int) {
        self.init(multiCode: CURLMcode(rawValue: .init(truncatingIfNeeded: value)))
    }

    /// A failure detected on the Swift side before calling curl (bad argument, allocation failure), reported with
    /// the matching curl code so callers have one error type.
    static func synthetic(_ code: CURLcode, detail: String) -> CurlError {
        CurlError(easyCode: code, errorBuffer: nil).with(detail: detail)
    }

    private func with(detail: String) -> CurlError {
        CurlError(kind: kind, code: code, message: message, detail: detail, abortReason: abortReason)
    }

    /// Throws unless `code` is `CURLE_OK`.
    static func check(_ code: CURLcode, errorBuffer: UnsafePointer<CChar>? = nil) throws(CurlError) {
        guard code != CURLE_OK else { return }
        throw CurlError(easyCode: code, errorBuffer: errorBuffer)
    }

    /// Throws unless `code` is `CURLM_OK`.
    static func check(multi code: CURLMcode) throws(CurlError) {
        guard code != CURLM_OK else { return }
        throw CurlError(multiCode: code)
    }
}
