internal import CCurl

/// The Swift side of one easy handle's callbacks: what they read from and write into.
///
/// curl gets an unretained `Unmanaged` pointer to this object through the `CURLOPT_*DATA` options. That is safe
/// because the owning `CurlEasy` holds it strongly for as long as the C handle exists, and curl only invokes the
/// callbacks during `curl_easy_perform` / `curl_multi_perform` on that handle, never after `curl_easy_cleanup`.
final class CurlTransferState {
    // Configuration (survives between transfers until changed or `CurlEasy.reset()`).
    var responseBodyMode: CurlResponseBody = .memory(limit: CurlEasy.defaultResponseBodyLimit)
    var requestSource: (any RequestBodySource)?
    var progressHandler: ((CurlProgress) -> Bool)?

    // Per-transfer results, cleared by `begin()`.
    private(set) var body: [UInt8] = []
    private(set) var headerParser = CurlHeaderParser()
    /// Set when one of our callbacks made curl stop; attached to the resulting `CurlError`.
    private(set) var abortReason: CurlAbortReason?

    func resetConfiguration() {
        responseBodyMode = .memory(limit: CurlEasy.defaultResponseBodyLimit)
        requestSource = nil
        progressHandler = nil
    }

    /// Clears results of the previous transfer and rewinds the request body so a handle can be performed again.
    func begin() throws(CurlError) {
        body = []
        headerParser.reset()
        abortReason = nil
        do {
            try requestSource?.seekBody(to: 0)
        } catch {
            throw CurlError(easyCode: CURLE_READ_ERROR, abortReason: .requestBodyReadFailed(error))
        }
    }

    /// Hands the collected body to the caller and drops our copy.
    func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    // MARK: Callback bodies (called from the C trampolines below)

    /// Returns false to make curl fail the transfer with CURLE_WRITE_ERROR.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch responseBodyMode {
        case .memory(let limit):
            guard bytes.count <= limit - body.count else {
                abortReason = .responseBodyTooLarge(limit: limit)
                return false
            }
            body.append(contentsOf: bytes)
            return true
        case .sink(let sink):
            do {
                try sink(bytes)
                return true
            } catch {
                abortReason = .responseSinkFailed(String(describing: error))
                return false
            }
        case .discard:
            return true
        }
    }

    func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        headerParser.consume(line: bytes)
    }

    /// Returns a byte count, or nil to abort the transfer.
    func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let requestSource else { return 0 }
        do {
            return try requestSource.readBody(into: buffer)
        } catch {
            abortReason = .requestBodyReadFailed(error)
            return nil
        }
    }

    /// Returns a CURL_SEEKFUNC_* value.
    func seekBody(offset: Int64, origin: Int32) -> Int32 {
        guard let requestSource else { return offset == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK }
        // curl documents that it only passes SEEK_SET today; handle all three rather than rely on that.
        let target: Int64
        switch origin {
        case SEEK_SET: target = offset
        case SEEK_END: target = requestSource.bodyLength + offset
        default: return CURL_SEEKFUNC_CANTSEEK  // SEEK_CUR would need the source's position; curl never asks.
        }
        do {
            try requestSource.seekBody(to: target)
            return CURL_SEEKFUNC_OK
        } catch {
            abortReason = .requestBodyReadFailed(error)
            return CURL_SEEKFUNC_FAIL
        }
    }

    /// Returns false to abort (curl then fails with CURLE_ABORTED_BY_CALLBACK).
    func progress(_ progress: CurlProgress) -> Bool {
        guard let progressHandler else { return true }
        if progressHandler(progress) {
            return true
        }
        abortReason = .cancelledByProgressHandler
        return false
    }
}

// MARK: - Installing the C trampolines

extension CurlTransferState {
    /// Points all data callbacks of `handle` at this state object.
    ///
    /// The write and read callbacks are always installed: curl's defaults would write response bodies to stdout
    /// and read upload bodies from stdin, which a daemon must never do.
    func install(on handle: UnsafeMutableRawPointer, errorBuffer: UnsafePointer<CChar>) throws(CurlError) {
        let context = Unmanaged.passUnretained(self).toOpaque()

        try CurlError.check(
            ri_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
                let total = size * count
                guard let context else { return 0 }
                let state = Unmanaged<CurlTransferState>.fromOpaque(context).takeUnretainedValue()
                return state.receiveBody(UnsafeRawBufferPointer(start: buffer, count: total)) ? total : 0
            },
            errorBuffer: errorBuffer
        )
        try CurlError.check(ri_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), errorBuffer: errorBuffer)

        try CurlError.check(
            ri_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
                let total = size * count
                guard let context else { return 0 }
                let state = Unmanaged<CurlTransferState>.fromOpaque(context).takeUnretainedValue()
                state.receiveHeader(UnsafeRawBufferPointer(start: buffer, count: total))
                return total
            },
            errorBuffer: errorBuffer
        )
        try CurlError.check(ri_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), errorBuffer: errorBuffer)

        try CurlError.check(
            ri_curl_easy_setopt_read_callback(handle, CURLOPT_READFUNCTION) { buffer, size, count, context in
                guard let context else { return ri_curl_readfunc_abort() }
                let state = Unmanaged<CurlTransferState>.fromOpaque(context).takeUnretainedValue()
                let destination = UnsafeMutableRawBufferPointer(start: buffer, count: size * count)
                return state.sendBody(into: destination) ?? ri_curl_readfunc_abort()
            },
            errorBuffer: errorBuffer
        )
        try CurlError.check(ri_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, context), errorBuffer: errorBuffer)

        try CurlError.check(
            ri_curl_easy_setopt_seek_callback(handle, CURLOPT_SEEKFUNCTION) { context, offset, origin in
                guard let context else { return CURL_SEEKFUNC_FAIL }
                let state = Unmanaged<CurlTransferState>.fromOpaque(context).takeUnretainedValue()
                return state.seekBody(offset: Int64(offset), origin: origin)
            },
            errorBuffer: errorBuffer
        )
        try CurlError.check(ri_curl_easy_setopt_pointer(handle, CURLOPT_SEEKDATA, context), errorBuffer: errorBuffer)

        try CurlError.check(
            ri_curl_easy_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION) {
                context,
                downloadTotal,
                downloaded,
                uploadTotal,
                uploaded in
                guard let context else { return 0 }
                let state = Unmanaged<CurlTransferState>.fromOpaque(context).takeUnretainedValue()
                let progress = CurlProgress(
                    downloadTotal: Int64(downloadTotal),
                    downloaded: Int64(downloaded),
                    uploadTotal: Int64(uploadTotal),
                    uploaded: Int64(uploaded)
                )
                return state.progress(progress) ? 0 : 1
            },
            errorBuffer: errorBuffer
        )
        try CurlError.check(
            ri_curl_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, context),
            errorBuffer: errorBuffer
        )
    }
}
