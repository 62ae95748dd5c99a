import Testing

@testable import IngestPublish

@Suite("Request header lists and response header parsing")
struct CurlHeaderListTests {
    @Test func listStoresLinesInOrder() throws {
        let list = try CurlHeaderList(lines: ["Host: example", "x-amz-date: 20250101T000000Z", "Expect:"])
        #expect(list.count == 3)
        #expect(list.lines == ["Host: example", "x-amz-date: 20250101T000000Z", "Expect:"])

        let empty = try CurlHeaderList(lines: [])
        #expect(empty.count == 0)
        #expect(empty.lines.isEmpty)
    }

    @Test func fieldsUseCurlsEmptyValueSyntax() throws {
        let list = try CurlHeaderList(fields: [
            (name: "Content-Type", value: "application/xml"), (name: "X-Empty", value: ""),
        ])
        #expect(list.lines == ["Content-Type: application/xml", "X-Empty;"])
    }

    @Test func lineBreaksAreRejected() throws {
        let error = #expect(throws: CurlError.self) {
            try CurlHeaderList(lines: ["X-Ok: 1", "X-Bad: 1\r\nX-Injected: 2"])
        }
        #expect(error?.code == 43)
    }

    @Test func listCanBeSetOnAHandleAndReplaced() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(100)
        let url = try directory.file("f.bin", bytes: bytes).absoluteString
        let easy = try CurlEasy()
        try easy.setURL(url)
        try easy.setHeaders(CurlHeaderList(lines: ["X-One: 1"]))
        try easy.setHeaders(CurlHeaderList(lines: ["X-Two: 2"]))
        // file:// ignores request headers; this checks the list stays valid through a real transfer.
        #expect(try easy.perform().body == bytes)
        try easy.setHeaders(nil)
        #expect(try easy.perform().body == bytes)
    }

    @Test func parserKeepsOnlyTheFinalResponseBlock() {
        var parser = CurlHeaderParser()
        for line in [
            "HTTP/1.1 100 Continue\r\n", "\r\n",
            "HTTP/1.1 200 OK\r\n", "ETag: \"abc\"\r\n", "x-amz-request-id:  R1 \r\n",
            "X-Multi: a\r\n", "x-multi: b\r\n", "X-Folded: first\r\n", "\t second\r\n", "\r\n",
        ] {
            parser.consume(line: line)
        }
        let headers = parser.headers
        #expect(headers.statusLine == "HTTP/1.1 200 OK")
        #expect(headers["etag"] == "\"abc\"")
        #expect(headers["X-AMZ-REQUEST-ID"] == "R1")
        #expect(headers.values(for: "X-MULTI") == ["a", "b"])
        #expect(headers["x-folded"] == "first second")
        #expect(headers.fields.count == 5)
    }

    @Test func caseInsensitiveNameComparisonIsASCIIOnly() {
        #expect(CurlHeaders.sameName("Content-Length", "content-LENGTH"))
        #expect(!CurlHeaders.sameName("Content-Length", "Content-Lengt"))
        #expect(!CurlHeaders.sameName("[", "{"))  // 0x5B vs 0x7B differ only in bit 0x20 but are not letters.
    }
}
