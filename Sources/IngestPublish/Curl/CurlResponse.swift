/// The outcome of a completed transfer. Plain values only, so it is Sendable and can leave the transfer thread.
public struct CurlResponse: Sendable, Equatable {
    /// `CURLINFO_RESPONSE_CODE`: the last HTTP status (0 for protocols without one, such as file://).
    public let statusCode: Int
    /// Headers of the final response (earlier 1xx / redirect blocks are dropped).
    public let headers: CurlHeaders
    /// The body when collected with `.memory(limit:)`; empty for `.sink` and `.discard`.
    public let body: [UInt8]
    /// `CURLINFO_SIZE_UPLOAD_T`: request body bytes sent.
    public let bytesSent: Int64
    /// `CURLINFO_SIZE_DOWNLOAD_T`: response body bytes received.
    public let bytesReceived: Int64
    /// `CURLINFO_TOTAL_TIME`, seconds.
    public let totalTime: Double
    /// `CURLINFO_EFFECTIVE_URL`.
    public let effectiveURL: String?

    public init(
        statusCode: Int,
        headers: CurlHeaders,
        body: [UInt8],
        bytesSent: Int64,
        bytesReceived: Int64,
        totalTime: Double,
        effectiveURL: String?
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
        self.totalTime = totalTime
        self.effectiveURL = effectiveURL
    }
}

/// Where a response body goes.
public enum CurlResponseBody {
    /// Collect into `CurlResponse.body`; a body larger than `limit` bytes fails the transfer with
    /// `CurlAbortReason.responseBodyTooLarge` instead of growing without bound.
    case memory(limit: Int)
    /// Hand each chunk to a closure as it arrives (called on the transfer thread; the buffer is only valid during
    /// the call). Throwing stops the transfer with `CurlAbortReason.responseSinkFailed`.
    case sink((UnsafeRawBufferPointer) throws -> Void)
    /// Read and drop the body.
    case discard
}

/// Transfer progress as reported by `CURLOPT_XFERINFOFUNCTION` (totals are 0 while unknown).
public struct CurlProgress: Sendable, Equatable {
    public let downloadTotal: Int64
    public let downloaded: Int64
    public let uploadTotal: Int64
    public let uploaded: Int64

    public init(downloadTotal: Int64, downloaded: Int64, uploadTotal: Int64, uploaded: Int64) {
        self.downloadTotal = downloadTotal
        self.downloaded = downloaded
        self.uploadTotal = uploadTotal
        self.uploaded = uploaded
    }
}
