import Foundation
import IngestCore

/// One curl handle talking to one bucket, used by one thread at a time (not Sendable, like `CurlEasy`).
/// Reusing it keeps the connection, DNS and TLS session alive across requests.
public final class S3Connection {
    public let client: S3Client
    private let easy: CurlEasy
    /// Derived once a day and reused: four HMACs saved per request.
    private var signingKey: SigV4SigningKey?
    /// Called before each retry with the try that failed and why; for logs and tests.
    public var onRetry: ((Int, S3Error) -> Void)?

    /// Answers larger than this are refused; ListParts pages of 1,000 parts are ~200 KB.
    static let responseLimit = 8 << 20

    init(client: S3Client) throws(S3Error) {
        self.client = client
        do {
            self.easy = try CurlEasy()
        } catch {
            throw .transport(operation: "connect", error)
        }
    }

    /// Sends `request`, retrying with exponential backoff and full jitter while the failure is retryable.
    /// `progress` gets the request body bytes sent so far and may return false to cancel.
    public func send(
        _ request: S3Request,
        responseFile: String? = nil,
        progress: ((Int64) -> Bool)? = nil
    ) throws(S3Error) -> S3Response {
        let backoff = client.options.backoff
        var attempt = 1
        while true {
            do {
                return try sendOnce(request, responseFile: responseFile, progress: progress)
            } catch {
                guard error.isRetryable, attempt < backoff.maxAttempts else { throw error }
                onRetry?(attempt, error)
                let delay = backoff.delay(afterAttempt: attempt)
                Thread.sleep(
                    forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                )
                attempt += 1
            }
        }
    }

    private func sendOnce(
        _ request: S3Request,
        responseFile: String?,
        progress: ((Int64) -> Bool)?
    ) throws(S3Error) -> S3Response {
        let endpoint = client.endpoint
        let path = endpoint.path(forKey: request.key)
        var headers = [SigV4Header(name: "Host", value: endpoint.hostHeader)] + request.headers
        let payload: SigV4Payload
        var curlBody: CurlRequestBody?
        switch request.body {
        case .none:
            payload = .empty
            if request.method == "PUT" || request.method == "POST" { curlBody = .bytes([]) }
        case .bytes(let bytes):
            payload = .sha256(of: bytes)
            curlBody = .bytes(bytes)
        case .fileRegion(let file, let offset, let length):
            payload = .unsigned
            do {
                curlBody = .fileRegion(try FileRegionReader(path: file, offset: offset, length: length))
            } catch {
                throw .localFile(error.description)
            }
        }
        let signature: SigV4Signature
        do {
            let now = Date()
            let today = try SigV4Timestamp(now).dateStamp
            if signingKey?.dateStamp != today {
                signingKey = try client.signer.signingKey(for: now)
            }
            signature = try client.signer.sign(
                SigV4Request(
                    method: request.method,
                    path: path,
                    queryItems: request.query,
                    headers: headers,
                    payload: payload
                ),
                date: now,
                signingKey: signingKey
            )
        } catch {
            throw .invalidResponse(operation: request.operation, detail: "cannot sign the request: \(error)")
        }
        headers = signature.requestHeaders

        var output: FileHandle?
        let response: CurlResponse
        do throws(CurlError) {
            try easy.reset()
            try easy.setURL(endpoint.url(rawPath: path, query: request.query))
            switch request.method {
            case "PUT": try easy.setMethod(.put)
            case "POST": try easy.setMethod(.post)
            case "HEAD": try easy.setMethod(.head)
            case "DELETE": try easy.setMethod(.delete)
            case "GET": try easy.setMethod(.get)
            default: try easy.setMethod(.custom(request.method))
            }
            try easy.setRequestBody(curlBody)
            // "Expect:" drops curl's 100-continue wait, which costs a round trip (or a 1 s stall) per part.
            // curl's own Content-Type for POST is replaced by ours when we set one.
            var lines = headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
            if request.method == "POST" && !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                lines.append("Content-Type:")
            }
            try easy.setHeaders(try CurlHeaderList(lines: lines))
            try easy.setConnectTimeout(client.options.connectTimeout)
            try easy.setLowSpeedLimit(
                bytesPerSecond: 1024,
                seconds: Int(client.options.lowSpeedTime.components.seconds)
            )
            if let bundle = client.options.caBundle { try easy.setCAInfo(path: bundle) }
            if let progress {
                try easy.setProgressHandler { progress($0.uploaded) }
            }
            if let responseFile {
                guard FileManager.default.createFile(atPath: responseFile, contents: nil),
                    let handle = FileHandle(forWritingAtPath: responseFile)
                else {
                    throw CurlError(
                        kind: .easy,
                        code: CurlError.Code.writeError,
                        message: "cannot create \(responseFile)"
                    )
                }
                output = handle
                easy.setResponseBody(.sink { bytes in try handle.write(contentsOf: Data(bytes)) })
            } else {
                easy.setResponseBody(.memory(limit: Self.responseLimit))
            }
            response = try easy.perform()
        } catch {
            try? output?.close()
            throw .transport(operation: request.operation, error)
        }
        try? output?.close()
        guard (200..<300).contains(response.statusCode) else {
            // A GET into a file wrote S3's error document there: read it back for the code, and leave no file.
            var errorBody: [UInt8]?
            if let responseFile {
                errorBody = FileManager.default.contents(atPath: responseFile).map { Array($0.prefix(64 << 10)) } ?? []
                try? FileManager.default.removeItem(atPath: responseFile)
            }
            throw Self.serviceError(request, response: response, body: errorBody, bucket: endpoint.bucket)
        }
        // CompleteMultipartUpload (and CopyObject) can fail after the 200 status is sent: the error is the body.
        if request.method == "POST", response.body.count < 4096,
            String(decoding: response.body, as: UTF8.self).contains("<Error>")
        {
            throw Self.serviceError(request, response: response, bucket: endpoint.bucket)
        }
        return S3Response(
            status: response.statusCode,
            headers: response.headers,
            body: response.body,
            bytesSent: response.bytesSent
        )
    }

    /// `body` stands in for the response body when that went elsewhere (a GET into a file).
    static func serviceError(_ request: S3Request, response: CurlResponse, body: [UInt8]? = nil, bucket: String)
        -> S3Error
    {
        let xml = String(decoding: body ?? response.body, as: UTF8.self)
        let code = S3XML.value("Code", in: xml) ?? "HTTP \(response.statusCode)"
        return .service(
            operation: request.operation,
            status: response.statusCode,
            code: code,
            message: S3XML.value("Message", in: xml) ?? "",
            requestID: S3XML.value("RequestId", in: xml) ?? response.headers["x-amz-request-id"],
            bucket: bucket
        )
    }
}
