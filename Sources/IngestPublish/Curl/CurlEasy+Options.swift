internal import CCurl

/// The request method. curl derives the method from several options, so this sets them consistently.
public enum CurlMethod: Sendable, Equatable {
    case get
    /// CURLOPT_NOBODY: no response body is read.
    case head
    /// CURLOPT_UPLOAD: the body comes from `setRequestBody`. For file:// URLs this writes the target file.
    case put
    /// CURLOPT_POST with the body streamed from `setRequestBody` (not CURLOPT_POSTFIELDS).
    case post
    case delete
    /// Any other method name, sent with CURLOPT_CUSTOMREQUEST over a GET-shaped request.
    case custom(String)
}

extension CurlEasy {
    /// CURLOPT_URL.
    public func setURL(_ url: String) throws(CurlError) {
        try setString(CURLOPT_URL, url)
    }

    /// Sets the method, first clearing any method state left by an earlier call.
    public func setMethod(_ method: CurlMethod) throws(CurlError) {
        // HTTPGET=1 resets NOBODY, UPLOAD and POST in one go; then apply the one we want.
        try setLong(CURLOPT_HTTPGET, 1)
        try setString(CURLOPT_CUSTOMREQUEST, nil)
        switch method {
        case .get:
            break
        case .head:
            try setLong(CURLOPT_NOBODY, 1)
        case .put:
            try setLong(CURLOPT_UPLOAD, 1)
        case .post:
            try setLong(CURLOPT_POST, 1)
        case .delete:
            try setString(CURLOPT_CUSTOMREQUEST, "DELETE")
        case .custom(let name):
            try setString(CURLOPT_CUSTOMREQUEST, name)
        }
    }

    /// Streams the request body through CURLOPT_READFUNCTION and declares its exact size (CURLOPT_INFILESIZE_LARGE
    /// for uploads, CURLOPT_POSTFIELDSIZE_LARGE for POST), so no chunked encoding is used. nil removes the body.
    /// The body is rewound to its start at the beginning of every transfer.
    public func setRequestBody(_ body: CurlRequestBody?) throws(CurlError) {
        let source = body?.source
        let size = source?.bodyLength ?? -1  // -1 is curl's "unknown" default.
        try setOffset(CURLOPT_INFILESIZE_LARGE, size)
        try setOffset(CURLOPT_POSTFIELDSIZE_LARGE, size)
        state.requestSource = source
    }

    /// CURLOPT_HTTPHEADER. The handle keeps `list` alive until replaced, `reset()` or deinit.
    public func setHeaders(_ list: CurlHeaderList?) throws(CurlError) {
        try setHeaderList(list)
    }

    /// Where the response body goes; the default is `.memory(limit: CurlEasy.defaultResponseBodyLimit)`.
    public func setResponseBody(_ mode: CurlResponseBody) {
        state.responseBodyMode = mode
    }

    /// CURLOPT_CONNECTTIMEOUT_MS: limit for connection setup (DNS, TCP, TLS). Zero means curl's default (300 s).
    public func setConnectTimeout(_ timeout: Duration) throws(CurlError) {
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, timeout.curlMilliseconds)
    }

    /// CURLOPT_TIMEOUT_MS: limit for the whole transfer. Zero means none; prefer the low-speed limit for large
    /// uploads, whose duration depends on size.
    public func setTimeout(_ timeout: Duration) throws(CurlError) {
        try setLong(CURLOPT_TIMEOUT_MS, timeout.curlMilliseconds)
    }

    /// CURLOPT_LOW_SPEED_LIMIT / CURLOPT_LOW_SPEED_TIME: abort (CURLE_OPERATION_TIMEDOUT) when the rate stays below
    /// `bytesPerSecond` for `seconds`. This catches stalled connections without capping long transfers.
    public func setLowSpeedLimit(bytesPerSecond: Int, seconds: Int) throws(CurlError) {
        try setLong(CURLOPT_LOW_SPEED_LIMIT, bytesPerSecond)
        try setLong(CURLOPT_LOW_SPEED_TIME, seconds)
    }

    /// CURLOPT_CAINFO: PEM bundle to verify servers with; nil restores the system default bundle.
    public func setCAInfo(path: String?) throws(CurlError) {
        try setString(CURLOPT_CAINFO, path)
    }

    /// CURLOPT_FOLLOWLOCATION; off by default (set at creation and by `reset()`).
    public func setFollowLocation(_ follow: Bool) throws(CurlError) {
        try setLong(CURLOPT_FOLLOWLOCATION, follow ? 1 : 0)
    }

    /// CURLOPT_VERBOSE: curl's trace goes to stderr, so keep it for debugging only; off by default.
    public func setVerbose(_ verbose: Bool) throws(CurlError) {
        try setLong(CURLOPT_VERBOSE, verbose ? 1 : 0)
    }

    /// Called from the transfer thread as the transfer proceeds; return false to cancel it
    /// (`CurlError.abortReason == .cancelledByProgressHandler`). nil turns progress reporting off.
    public func setProgressHandler(_ handler: ((CurlProgress) -> Bool)?) throws(CurlError) {
        try setLong(CURLOPT_NOPROGRESS, handler == nil ? 1 : 0)
        state.progressHandler = handler
    }
}

extension Duration {
    /// Whole milliseconds for curl's `long` millisecond options: negative becomes 0, huge values saturate
    /// instead of trapping on overflow.
    var curlMilliseconds: Int {
        guard self > .zero else { return 0 }
        let (seconds, attoseconds) = components
        let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int.max }
        let (total, carry) = whole.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000))
        return carry ? Int.max : total
    }
}
