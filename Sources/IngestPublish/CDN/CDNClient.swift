import Foundation
import IngestCore

/// Sends `CDNAction`s over one reused curl handle, retrying 5xx, 429 and connection failures with backoff. Blocking
/// and bound to one thread, like `S3Connection`.
public final class CDNClient {
    public struct Options: Sendable {
        public var credentials: SigV4Credentials?
        /// `https://cloudfront.amazonaws.com` unless a compatible endpoint is configured.
        public var cloudfrontEndpoint: String
        public var caBundle: String?
        public var backoff: Backoff
        public var timeout: Duration

        public init(
            credentials: SigV4Credentials? = nil,
            cloudfrontEndpoint: String? = nil,
            caBundle: String? = nil,
            backoff: Backoff = Backoff(maxAttempts: 4, base: .milliseconds(500), cap: .seconds(10)),
            timeout: Duration = .seconds(60)
        ) {
            self.credentials = credentials
            self.cloudfrontEndpoint = cloudfrontEndpoint ?? "https://cloudfront.amazonaws.com"
            self.caBundle = caBundle
            self.backoff = backoff
            self.timeout = timeout
        }

        /// From the configuration (CloudFront's endpoint, the storage's CA bundle), with the credentials
        /// CloudFront's requests are signed with: the pipeline and `retry-sweep` build them the same way.
        public init(_ cdn: CDNSettings, storage: StorageSettings, credentials: SigV4Credentials?) {
            self.init(credentials: credentials, cloudfrontEndpoint: cdn.cloudfrontEndpoint, caBundle: storage.caBundle)
        }
    }

    /// Cache status headers, most specific first.
    static let cacheHeaders = ["X-Cache", "CF-Cache-Status", "X-Cache-Status"]

    private let options: Options
    private let easy: CurlEasy

    public init(options: Options) throws(CurlError) {
        self.options = options
        easy = try CurlEasy()
    }

    /// Performs `action`, with retries; never throws: a failure is an outcome to record and retry later.
    public func perform(_ action: CDNAction) -> CDNOutcome {
        var invalidation: CloudFrontInvalidation.Signed?
        if case .invalidate(let distributionId, let paths, let reference) = action {
            do {
                invalidation = try CloudFrontInvalidation(
                    endpoint: options.cloudfrontEndpoint,
                    distributionId: distributionId,
                    paths: paths,
                    callerReference: reference
                ).signedRequest(credentials: options.credentials)
            } catch {
                return CDNOutcome(action: action, status: nil, attempts: 1, error: "invalidate: \(error)")
            }
        }
        var attempt = 1
        while true {
            var outcome: CDNOutcome
            var retryable: Bool
            do {
                let response = try send(action, invalidation: invalidation)
                outcome = CDNOutcome(
                    action: action,
                    status: response.statusCode,
                    cacheStatus: Self.cacheHeaders.lazy.compactMap { response.headers[$0] }.first,
                    attempts: attempt,
                    error: nil
                )
                retryable = response.statusCode >= 500 || response.statusCode == 429
                if !(200..<300).contains(response.statusCode) {
                    outcome.error = Self.describe(status: response.statusCode, body: response.body, action: action)
                }
            } catch {
                outcome = CDNOutcome(action: action, status: nil, attempts: attempt, error: "\(action.name): \(error)")
                retryable = error.abortReason == nil
            }
            guard !outcome.succeeded, retryable, attempt < options.backoff.maxAttempts else { return outcome }
            Thread.sleep(forTimeInterval: options.backoff.delay(afterAttempt: attempt).timeInterval)
            attempt += 1
        }
    }

    private func send(_ action: CDNAction, invalidation: CloudFrontInvalidation.Signed?) throws(CurlError)
        -> CurlResponse
    {
        try easy.reset()
        try easy.setConnectTimeout(.seconds(10))
        try easy.setTimeout(options.timeout)
        if let bundle = options.caBundle { try easy.setCAInfo(path: bundle) }
        var headers: [String] = ["Expect:"]
        switch action {
        case .purge(let url):
            try easy.setURL(url)
            try easy.setMethod(.custom("PURGE"))
            easy.setResponseBody(.discard)
        case .ban(let url, let prefix):
            try easy.setURL(url)
            try easy.setMethod(.custom("BAN"))
            headers.append("X-Ban-Prefix: \(prefix)")
            easy.setResponseBody(.discard)
        case .prewarm(let url):
            try easy.setURL(url)
            try easy.setMethod(.get)
            easy.setResponseBody(.discard)
        case .invalidate:
            // Signed once before the first try; a retry within minutes keeps a valid signature.
            guard let request = invalidation else {
                throw CurlError(kind: .easy, code: CurlError.Code.urlMalformat, message: "invalidation not signed")
            }
            try easy.setURL(request.url)
            try easy.setMethod(.post)
            try easy.setRequestBody(.bytes(request.body))
            headers += request.headers
            easy.setResponseBody(.memory(limit: 64 << 10))
        }
        try easy.setHeaders(try CurlHeaderList(lines: headers))
        return try easy.perform()
    }

    /// `purge https://cdn/x: HTTP 405` plus the error code from an XML body (CloudFront) when there is one.
    static func describe(status: Int, body: [UInt8], action: CDNAction) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        var message = "\(action.name) \(action.target): HTTP \(status)"
        if let code = S3XML.value("Code", in: text) {
            message += " \(code)"
            if let detail = S3XML.value("Message", in: text) { message += ": \(detail)" }
        }
        return message
    }
}
