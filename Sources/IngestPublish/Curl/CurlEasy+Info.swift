internal import CCurl

/// Typed `curl_easy_getinfo` accessors. Valid after a transfer; they describe the most recent one.
extension CurlEasy {
    /// CURLINFO_RESPONSE_CODE: last HTTP status, 0 when there is none (file://, or no response received).
    public func responseCode() throws(CurlError) -> Int {
        try infoLong(CURLINFO_RESPONSE_CODE)
    }

    /// CURLINFO_EFFECTIVE_URL: the URL last used.
    public func effectiveURL() throws(CurlError) -> String? {
        try infoString(CURLINFO_EFFECTIVE_URL)
    }

    /// CURLINFO_TOTAL_TIME, seconds.
    public func totalTime() throws(CurlError) -> Double {
        try infoDouble(CURLINFO_TOTAL_TIME)
    }

    /// CURLINFO_SIZE_UPLOAD_T: request body bytes sent.
    public func bytesUploaded() throws(CurlError) -> Int64 {
        try infoOffset(CURLINFO_SIZE_UPLOAD_T)
    }

    /// CURLINFO_SIZE_DOWNLOAD_T: response body bytes received.
    public func bytesDownloaded() throws(CurlError) -> Int64 {
        try infoOffset(CURLINFO_SIZE_DOWNLOAD_T)
    }

    /// CURLINFO_CONTENT_LENGTH_DOWNLOAD_T: the announced body length, nil when unknown.
    public func contentLength() throws(CurlError) -> Int64? {
        let length = try infoOffset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
        return length >= 0 ? length : nil
    }

    // MARK: Typed getinfo chokepoints

    private func infoLong(_ info: CURLINFO) throws(CurlError) -> Int {
        var value = 0
        try CurlError.check(ri_curl_easy_getinfo_long(handle, info, &value), errorBuffer: errorBuffer)
        return value
    }

    private func infoOffset(_ info: CURLINFO) throws(CurlError) -> Int64 {
        var value: curl_off_t = 0
        try CurlError.check(ri_curl_easy_getinfo_off_t(handle, info, &value), errorBuffer: errorBuffer)
        return Int64(value)
    }

    private func infoDouble(_ info: CURLINFO) throws(CurlError) -> Double {
        var value = 0.0
        try CurlError.check(ri_curl_easy_getinfo_double(handle, info, &value), errorBuffer: errorBuffer)
        return value
    }

    /// The C string belongs to the handle, so it is copied before returning.
    private func infoString(_ info: CURLINFO) throws(CurlError) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        try CurlError.check(ri_curl_easy_getinfo_string(handle, info, &value), errorBuffer: errorBuffer)
        return value.map { String(cString: $0) }
    }
}
