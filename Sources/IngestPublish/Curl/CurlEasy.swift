internal import CCurl

/// Owns one libcurl easy handle (`CURL*`) plus the Swift state its callbacks use.
///
/// Threading: deliberately not `Sendable`. libcurl allows a handle on any thread but never on two at once, and
/// `perform()` blocks, so the intended pattern is to create (or pool) handles on the dedicated transfer thread,
/// keep them there, and send only Sendable values across: request descriptions in, `CurlResponse` / `CurlError`
/// out. The compiler then enforces the ownership instead of a comment.
///
/// Proxies: libcurl reads `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` from the environment by itself
/// when no proxy option is set, so the daemon gets proxy support without configuring anything here.
public final class CurlEasy {
    /// Default cap for in-memory response bodies; S3 error documents and small XML replies are far below this.
    public static let defaultResponseBodyLimit = 1 << 20

    /// The `CURL*`. `typedef void CURL`, hence a raw pointer.
    let handle: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER storage; curl writes into it during transfers, so it lives as long as the handle.
    let errorBuffer: UnsafeMutablePointer<CChar>
    let state = CurlTransferState()
    /// Retained because curl stores the slist pointer without copying it.
    private var headerList: CurlHeaderList?
    /// Set while a `CurlMulti` owns the transfer; the easy API must not drive the handle meanwhile.
    var isAttachedToMulti = false

    public init() throws(CurlError) {
        try CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw CurlError.synthetic(CURLE_FAILED_INIT, detail: "curl_easy_init returned NULL")
        }
        self.handle = handle
        let size = ri_curl_error_size()
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
        // Every stored property is set, so if this throws, deinit runs and frees the handle and buffer.
        try applyDefaults()
    }

    deinit {
        // Cleanup first: curl may still touch the error buffer while tearing down the handle.
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Clears every option back to our defaults for the next request while keeping what `curl_easy_reset`
    /// keeps: live connections, the DNS cache and TLS sessions. This is how handles are reused across requests.
    public func reset() throws(CurlError) {
        try ensureNotInMulti()
        curl_easy_reset(handle)
        headerList = nil
        state.resetConfiguration()
        try applyDefaults()
    }

    /// Runs the transfer to completion on the calling thread (blocking).
    ///
    /// Throws `CurlError` for transport failures and for aborts by our callbacks (`abortReason` says which).
    /// An HTTP error status is not a `CurlError`: it is a successful transfer with `statusCode >= 400`.
    public func perform() throws(CurlError) -> CurlResponse {
        try ensureNotInMulti()
        try beginTransfer()
        let code = curl_easy_perform(handle)
        return try finishTransfer(code)
    }

    // MARK: Shared with CurlMulti

    func beginTransfer() throws(CurlError) {
        errorBuffer.pointee = 0
        try state.begin()
    }

    /// Turns the transfer's final `CURLcode` into a response or a `CurlError`.
    func finishTransfer(_ code: CURLcode) throws(CurlError) -> CurlResponse {
        guard code == CURLE_OK else {
            let error = CurlError(easyCode: code, errorBuffer: errorBuffer, abortReason: state.abortReason)
            _ = state.takeBody()
            throw error
        }
        let body = state.takeBody()
        return CurlResponse(
            statusCode: try responseCode(),
            headers: state.headerParser.headers,
            body: body,
            bytesSent: try bytesUploaded(),
            bytesReceived: try bytesDownloaded(),
            totalTime: try totalTime(),
            effectiveURL: try effectiveURL()
        )
    }

    // MARK: Private

    private func ensureNotInMulti() throws(CurlError) {
        guard !isAttachedToMulti else {
            throw CurlError.synthetic(CURLE_BAD_FUNCTION_ARGUMENT, detail: "handle is attached to a CurlMulti")
        }
    }

    /// Options every handle gets, at creation and after `reset()`.
    private func applyDefaults() throws(CurlError) {
        try setPointer(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        // Without NOSIGNAL curl uses SIGALRM for DNS timeouts, which is unsafe with several transfer threads.
        try setLong(CURLOPT_NOSIGNAL, 1)
        // Redirects are never followed implicitly: a signed S3 request must not be replayed to another host.
        try setLong(CURLOPT_FOLLOWLOCATION, 0)
        try setLong(CURLOPT_VERBOSE, 0)
        try setLong(CURLOPT_NOPROGRESS, 1)
        try state.install(on: handle, errorBuffer: errorBuffer)
    }

    // MARK: Typed setopt chokepoints (used by CurlEasy+Options.swift)

    func setLong(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try CurlError.check(ri_curl_easy_setopt_long(handle, option, value), errorBuffer: errorBuffer)
    }

    func setOffset(_ option: CURLoption, _ value: Int64) throws(CurlError) {
        try CurlError.check(ri_curl_easy_setopt_off_t(handle, option, curl_off_t(value)), errorBuffer: errorBuffer)
    }

    /// curl copies string options (except a few we do not use, such as CURLOPT_POSTFIELDS), so a temporary
    /// C string is enough. nil restores the option's default.
    func setString(_ option: CURLoption, _ value: String?) throws(CurlError) {
        guard let value else {
            try CurlError.check(ri_curl_easy_setopt_string(handle, option, nil), errorBuffer: errorBuffer)
            return
        }
        // withCString would silently cut the value at an embedded NUL; refuse instead.
        guard !value.utf8.contains(0) else {
            throw CurlError.synthetic(CURLE_BAD_FUNCTION_ARGUMENT, detail: "option string contains NUL")
        }
        let code = value.withCString { ri_curl_easy_setopt_string(handle, option, $0) }
        try CurlError.check(code, errorBuffer: errorBuffer)
    }

    func setPointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) throws(CurlError) {
        try CurlError.check(ri_curl_easy_setopt_pointer(handle, option, value), errorBuffer: errorBuffer)
    }

    func setHeaderList(_ list: CurlHeaderList?) throws(CurlError) {
        try CurlError.check(ri_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list?.head), errorBuffer: errorBuffer)
        headerList = list
    }
}
