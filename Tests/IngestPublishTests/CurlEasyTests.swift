import Foundation
import Testing

@testable import IngestPublish

@Suite("CurlEasy against real libcurl (file:// only)")
struct CurlEasyTests {
    @Test func getOfFileURLReturnsExactlyTheFileBytes() throws {
        let directory = try CurlTestDirectory()
        // Larger than curl's 16 KiB write chunk, so the body arrives over many callbacks.
        let bytes = randomBytes(300_000)
        let source = try directory.file("source.bin", bytes: bytes)

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        let response = try easy.perform()

        #expect(response.body == bytes)
        #expect(response.bytesReceived == 300_000)
        #expect(response.bytesSent == 0)
        #expect(response.statusCode == 0)  // file:// has no status.
        #expect(response.effectiveURL == source.absoluteString)
        #expect(response.headers.statusLine == nil)
    }

    @Test func fileHeadersAreCapturedWithCaseInsensitiveLookup() throws {
        let directory = try CurlTestDirectory()
        let source = try directory.file("source.bin", bytes: randomBytes(4321))

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        try easy.setMethod(.head)
        let response = try easy.perform()

        // curl's file:// handler reports "Content-Length: 4321" and "Accept-ranges: bytes" as headers.
        #expect(response.body.isEmpty)
        #expect(response.headers["content-length"] == "4321")
        #expect(response.headers["CONTENT-LENGTH"] == "4321")
        #expect(response.headers.values(for: "accept-ranges") == ["bytes"])
        #expect(response.headers.fields.contains { $0.name == "Content-Length" })
        #expect(response.headers["x-missing"] == nil)
    }

    @Test func getinfoAccessorsDescribeTheLastTransfer() throws {
        let directory = try CurlTestDirectory()
        let source = try directory.file("source.bin", bytes: randomBytes(2048))

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        _ = try easy.perform()

        #expect(try easy.responseCode() == 0)
        #expect(try easy.bytesDownloaded() == 2048)
        #expect(try easy.bytesUploaded() == 0)
        #expect(try easy.contentLength() == 2048)
        #expect(try easy.effectiveURL() == source.absoluteString)
        #expect(try easy.totalTime() >= 0)
    }

    @Test func missingFileThrowsCurlErrorWithCodeMessageAndErrorBuffer() throws {
        let easy = try CurlEasy()
        try easy.setURL("file:///nonexistent/path")
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.kind == .easy)
        #expect(error?.code == 37)
        #expect(error?.message == "Couldn't read a file:// file")
        #expect(error?.detail == "Couldn't open file /nonexistent/path")
        #expect(error?.abortReason == nil)
    }

    @Test func responseBodyOverTheLimitFailsWithAClearReason() throws {
        let directory = try CurlTestDirectory()
        let source = try directory.file("big.bin", bytes: randomBytes(5000))

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        easy.setResponseBody(.memory(limit: 1024))
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.code == 23)
        #expect(error?.abortReason == .responseBodyTooLarge(limit: 1024))

        // Exactly at the limit is allowed.
        easy.setResponseBody(.memory(limit: 5000))
        #expect(try easy.perform().body.count == 5000)
    }

    @Test func sinkReceivesTheBodyAndItsFailureStopsTheTransfer() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(100_000)
        let source = try directory.file("source.bin", bytes: bytes)

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        var received: [UInt8] = []
        easy.setResponseBody(.sink { received.append(contentsOf: $0) })
        let response = try easy.perform()
        #expect(received == bytes)
        #expect(response.body.isEmpty)
        #expect(response.bytesReceived == 100_000)

        struct DiskFull: Error {}
        easy.setResponseBody(.sink { _ in throw DiskFull() })
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.code == 23)
        #expect(error?.abortReason == .responseSinkFailed("DiskFull()"))

        easy.setResponseBody(.discard)
        let discarded = try easy.perform()
        #expect(discarded.body.isEmpty)
        #expect(discarded.bytesReceived == 100_000)
    }

    @Test func progressHandlerCanCancel() throws {
        let directory = try CurlTestDirectory()
        let source = try directory.file("source.bin", bytes: randomBytes(50_000))

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        var calls = 0
        try easy.setProgressHandler { _ in
            calls += 1
            return false
        }
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.code == 42)
        #expect(error?.abortReason == .cancelledByProgressHandler)
        #expect(calls >= 1)

        try easy.setProgressHandler(nil)
        #expect(try easy.perform().body.count == 50_000)
    }

    @Test func resetClearsOptionsButKeepsTheHandleUsable() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(3000)
        let source = try directory.file("source.bin", bytes: bytes)

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        easy.setResponseBody(.memory(limit: 10))
        try easy.setHeaders(CurlHeaderList(lines: ["X-Test: 1"]))
        try easy.reset()

        // The URL is gone: curl reports a missing URL as CURLE_URL_MALFORMAT.
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.code == 3)

        // The 10-byte limit is gone too, and callbacks are reinstalled (body still reaches Swift, not stdout).
        try easy.setURL(source.absoluteString)
        #expect(try easy.perform().body == bytes)
    }

    @Test func transportOptionsAreAcceptedByLibcurl() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(1000)
        let source = try directory.file("source.bin", bytes: bytes)
        let caBundle = try directory.file("ca.pem", bytes: [])

        let easy = try CurlEasy()
        try easy.setURL(source.absoluteString)
        try easy.setConnectTimeout(.seconds(5))
        try easy.setTimeout(.milliseconds(30_000))
        try easy.setLowSpeedLimit(bytesPerSecond: 1024, seconds: 30)
        try easy.setCAInfo(path: caBundle.path)
        try easy.setFollowLocation(false)
        try easy.setVerbose(false)
        try easy.setMethod(.custom("PROPFIND"))
        try easy.setMethod(.delete)
        try easy.setMethod(.get)
        #expect(try easy.perform().body == bytes)
        try easy.setCAInfo(path: nil)
    }

    @Test func durationsBecomeClampedMilliseconds() {
        #expect(Duration.milliseconds(1500).curlMilliseconds == 1500)
        #expect(Duration.microseconds(2999).curlMilliseconds == 2)
        #expect(Duration.milliseconds(-500).curlMilliseconds == 0)
        #expect(Duration.seconds(Int64.max).curlMilliseconds == Int.max)
    }

    @Test func stringOptionsWithNULAreRejected() throws {
        let easy = try CurlEasy()
        let error = #expect(throws: CurlError.self) { try easy.setURL("file:///tmp/a\u{0}b") }
        #expect(error?.code == 43)
        #expect(error?.detail == "option string contains NUL")
    }

    @Test func aHandleCreatedOnADedicatedThreadWorksThere() async throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(10_000)
        let url = try directory.file("source.bin", bytes: bytes).absoluteString

        // The intended threading model: the handle is created and used on one thread; only Sendable values
        // (the URL in, the response out) cross threads.
        let result: Result<CurlResponse, CurlError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result { () throws(CurlError) in
                        let easy = try CurlEasy()
                        try easy.setURL(url)
                        return try easy.perform()
                    }
                )
            }
            thread.start()
        }
        #expect(try result.get().body == bytes)
    }
}
