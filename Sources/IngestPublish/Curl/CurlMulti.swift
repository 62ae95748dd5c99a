internal import CCurl

/// A finished transfer handed back by `CurlMulti`: the handle (detached again, reusable) and its outcome.
public struct CurlMultiCompletion {
    public let easy: CurlEasy
    public let result: Result<CurlResponse, CurlError>
}

/// Owns a libcurl multi handle (`CURLM*`) and drives several `CurlEasy` transfers at once on the calling thread.
///
/// Like `CurlEasy`, not `Sendable`: the multi handle and every easy handle in it belong to the one thread that
/// calls `perform()` / `poll(timeout:)`.
public final class CurlMulti {
    /// The `CURLM*`. `typedef void CURLM`, hence a raw pointer.
    private let handle: UnsafeMutableRawPointer
    /// Attached handles keyed by their `CURL*`, which is what `curl_multi_info_read` reports. Holding the
    /// `CurlEasy` here keeps it (and the state its callbacks use) alive while curl drives it.
    private var transfers: [UnsafeMutableRawPointer: CurlEasy] = [:]

    public init() throws(CurlError) {
        try CurlGlobal.initialize()
        guard let handle = curl_multi_init() else {
            throw CurlError.synthetic(CURLE_FAILED_INIT, detail: "curl_multi_init returned NULL")
        }
        self.handle = handle
    }

    deinit {
        // curl requires easy handles to be removed before the multi handle is cleaned up.
        for (easyHandle, easy) in transfers {
            curl_multi_remove_handle(handle, easyHandle)
            easy.isAttachedToMulti = false
        }
        curl_multi_cleanup(handle)
    }

    /// Transfers added and not yet reported complete (or removed).
    public var pendingCount: Int {
        transfers.count
    }

    /// CURLMOPT_MAX_TOTAL_CONNECTIONS: cap on simultaneous connections (0 = no cap); extra transfers queue.
    public func setMaxTotalConnections(_ count: Int) throws(CurlError) {
        try CurlError.check(multi: ri_curl_multi_setopt_long(handle, CURLMOPT_MAX_TOTAL_CONNECTIONS, count))
    }

    /// CURLMOPT_MAX_HOST_CONNECTIONS: cap on simultaneous connections to one host (0 = no cap).
    public func setMaxHostConnections(_ count: Int) throws(CurlError) {
        try CurlError.check(multi: ri_curl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, count))
    }

    /// Starts driving `easy` (its options must be set already). It comes back through `readCompletions()`.
    public func add(_ easy: CurlEasy) throws(CurlError) {
        guard !easy.isAttachedToMulti else {
            throw CurlError.synthetic(CURLE_BAD_FUNCTION_ARGUMENT, detail: "handle is already attached to a CurlMulti")
        }
        try easy.beginTransfer()
        try CurlError.check(multi: curl_multi_add_handle(handle, easy.handle))
        transfers[easy.handle] = easy
        easy.isAttachedToMulti = true
    }

    /// Abandons an unfinished transfer; the handle can be reused afterwards. No completion is reported for it.
    public func remove(_ easy: CurlEasy) throws(CurlError) {
        guard transfers[easy.handle] === easy else {
            throw CurlError.synthetic(CURLE_BAD_FUNCTION_ARGUMENT, detail: "handle is not attached to this CurlMulti")
        }
        try detach(easy)
    }

    /// One non-blocking `curl_multi_perform` step; returns how many transfers are still running.
    @discardableResult
    public func perform() throws(CurlError) -> Int {
        var running: Int32 = 0
        try CurlError.check(multi: curl_multi_perform(handle, &running))
        return Int(running)
    }

    /// `curl_multi_poll`: waits until there is socket activity or `timeout` passes; returns the number of ready
    /// descriptors. curl may return sooner than `timeout` when its own timers are due.
    @discardableResult
    public func poll(timeout: Duration) throws(CurlError) -> Int {
        let milliseconds = Int32(clamping: timeout.curlMilliseconds)
        var ready: Int32 = 0
        try CurlError.check(multi: curl_multi_poll(handle, nil, 0, milliseconds, &ready))
        return Int(ready)
    }

    /// Drains `curl_multi_info_read`: every finished transfer is detached and returned with its own result, so one
    /// failing transfer never affects the others.
    public func readCompletions() throws(CurlError) -> [CurlMultiCompletion] {
        var completions: [CurlMultiCompletion] = []
        var queued: Int32 = 0
        while let message = curl_multi_info_read(handle, &queued) {
            // The message is owned by curl and invalid after remove_handle, so copy what we need first.
            guard message.pointee.msg == CURLMSG_DONE, let easyHandle = message.pointee.easy_handle,
                let easy = transfers[easyHandle]
            else { continue }
            let code = message.pointee.data.result
            let result = Result<CurlResponse, CurlError> { () throws(CurlError) in try easy.finishTransfer(code) }
            try detach(easy)
            completions.append(CurlMultiCompletion(easy: easy, result: result))
        }
        return completions
    }

    /// Drives all added transfers to completion and returns their results in completion order.
    public func run(pollTimeout: Duration = .milliseconds(500)) throws(CurlError) -> [CurlMultiCompletion] {
        var completions: [CurlMultiCompletion] = []
        while !transfers.isEmpty {
            let running = try perform()
            completions += try readCompletions()
            if running == 0 {
                // Nothing left for curl to run; anything still attached will never complete, so stop.
                break
            }
            try poll(timeout: pollTimeout)
        }
        return completions
    }

    /// Forgets the handle only once curl has let go of it: if removal failed, keeping our reference stops the
    /// `CurlEasy` (and its `CURL*`) from being freed while the multi handle still points at it.
    private func detach(_ easy: CurlEasy) throws(CurlError) {
        try CurlError.check(multi: curl_multi_remove_handle(handle, easy.handle))
        transfers[easy.handle] = nil
        easy.isAttachedToMulti = false
    }
}
