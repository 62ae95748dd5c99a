import Foundation
import IngestCore
import Testing

@Suite("SigV4 URI encoding")
struct SigV4URIEncodingTests {
    @Test(
        "encode(_:) with / encoded (query names and values)",
        arguments: [
            ("a b", "a%20b"),
            ("~", "~"),
            ("-._~AZaz09", "-._~AZaz09"),
            ("a/b", "a%2Fb"),
            ("a+b", "a%2Bb"),
            ("100%", "100%25"),
            ("=&?#", "%3D%26%3F%23"),
            ("!'()*", "%21%27%28%29%2A"),
            ("$", "%24"),
            ("", ""),
        ]
    )
    func encodeQueryComponent(input: String, expected: String) {
        #expect(URIEncoding.encode(input) == expected)
    }

    @Test("UTF-8 multibyte characters are encoded byte by byte, uppercase hex, without normalisation")
    func encodeMultibyte() {
        #expect(URIEncoding.encode("é") == "%C3%A9")
        #expect(URIEncoding.encode("e\u{301}") == "e%CC%81")  // decomposed é stays decomposed
        #expect(URIEncoding.encode("\u{1234}") == "%E1%88%B4")
        #expect(URIEncoding.encode("😀") == "%F0%9F%98%80")
        #expect(URIEncoding.encodePath("/交付物/ключ.bin") == "/%E4%BA%A4%E4%BB%98%E7%89%A9/%D0%BA%D0%BB%D1%8E%D1%87.bin")
    }

    @Test("encodePath keeps / and encodes everything else")
    func encodePath() {
        #expect(URIEncoding.encodePath("/a b/c~d/") == "/a%20b/c~d/")
        #expect(URIEncoding.encode("/a/b", keepingSlash: true) == "/a/b")
        #expect(URIEncoding.encode("/a/b", keepingSlash: false) == "%2Fa%2Fb")
    }

    @Test(
        "normalizePath removes . .. and empty segments",
        arguments: [
            ("/", "/"),
            ("", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/a/b/../c", "/a/c"),
            ("/../a", "/a"),
            ("/a/./b/", "/a/b/"),
            ("/a..b/.c", "/a..b/.c"),
        ]
    )
    func normalizePath(input: String, expected: String) {
        #expect(URIEncoding.normalizePath(input) == expected)
    }

    @Test("S3 mode encodes the path once and never normalises it")
    func s3CanonicalURI() {
        let signer = SigV4Signer.s3(credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "s"), region: "r")
        #expect(signer.canonicalURI(for: "/photos/my cat/é.jpg") == "/photos/my%20cat/%C3%A9.jpg")
        #expect(signer.canonicalURI(for: "/a//b/../c/./d") == "/a//b/../c/./d")
        #expect(signer.canonicalURI(for: "/100%/x") == "/100%25/x")
        #expect(signer.canonicalURI(for: "key") == "/key")
        #expect(signer.canonicalURI(for: "") == "/")
    }

    @Test("Generic mode normalises, then encodes twice")
    func genericCanonicalURI() {
        let signer = SigV4Signer(
            credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "s"),
            region: "r",
            service: "svc",
            mode: .generic
        )
        #expect(signer.canonicalURI(for: "/my cat") == "/my%2520cat")
        #expect(signer.canonicalURI(for: "/é") == "/%25C3%25A9")
        #expect(signer.canonicalURI(for: "/a//b/../c/") == "/a/c/")
        #expect(signer.canonicalURI(for: "/-._~") == "/-._~")
        // The wire path is encoded once and keeps the caller's segments.
        #expect(SigV4Request(method: "GET", path: "/a//b/my cat").encodedPath == "/a//b/my%20cat")
    }
}

@Suite("SigV4 canonical query and headers")
struct SigV4CanonicalizationTests {
    static let signer = SigV4Signer(
        credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"),
        region: "us-east-1",
        service: "service",
        mode: .generic
    )
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let host = SigV4Header(name: "Host", value: "example.amazonaws.com")

    static func canonicalQuery(_ items: [SigV4QueryItem]) throws -> String {
        let request = SigV4Request(method: "GET", path: "/", queryItems: items, headers: [host])
        let lines = try signer.sign(request, date: date).canonicalRequest
            .split(separator: "\n", omittingEmptySubsequences: false)
        return String(lines[2])
    }

    static func canonicalHeaderLines(_ headers: [SigV4Header]) throws -> [String] {
        let request = SigV4Request(method: "GET", path: "/", headers: headers)
        let lines = try signer.sign(request, date: date).canonicalRequest
            .split(separator: "\n", omittingEmptySubsequences: false)
        return lines.dropFirst(3).prefix { !$0.isEmpty }.map(String.init)
    }

    @Test("Query items sort by name, then value, uppercase before lowercase")
    func querySortedByNameThenValue() throws {
        let items = [
            SigV4QueryItem(name: "b", value: "1"),
            SigV4QueryItem(name: "a", value: "2"),
            SigV4QueryItem(name: "a", value: "1"),
            SigV4QueryItem(name: "A", value: "z"),
            SigV4QueryItem(name: "a", value: "Z"),
        ]
        #expect(try Self.canonicalQuery(items) == "A=z&a=1&a=2&a=Z&b=1")
    }

    @Test("Query items sort by their encoded form, not their raw form")
    func querySortedByEncodedName() throws {
        // Raw, "a0" < "a:" and "z" < "ሴ"; encoded, "a%3A" < "a0" and "%E1%88%B4" < "z".
        let items = [
            SigV4QueryItem(name: "a0", value: "x"),
            SigV4QueryItem(name: "a:", value: "x"),
            SigV4QueryItem(name: "z", value: "x"),
            SigV4QueryItem(name: "\u{1234}", value: "bar"),
        ]
        #expect(try Self.canonicalQuery(items) == "%E1%88%B4=bar&a%3A=x&a0=x&z=x")
    }

    @Test("Query values are encoded with / and = and + escaped, spaces as %20")
    func queryValuesEncoded() throws {
        let items = [
            SigV4QueryItem(name: "prefix", value: "videos/2024 raw/"),
            SigV4QueryItem(name: "uploadId", value: "a+b=="),
        ]
        #expect(try Self.canonicalQuery(items) == "prefix=videos%2F2024%20raw%2F&uploadId=a%2Bb%3D%3D")
    }

    @Test("Empty-valued parameters canonicalise as name=")
    func emptyValuedParameters() throws {
        #expect(try Self.canonicalQuery([SigV4QueryItem(name: "uploads")]) == "uploads=")
        let items = [SigV4QueryItem(name: "uploads"), SigV4QueryItem(name: "prefix", value: "")]
        #expect(try Self.canonicalQuery(items) == "prefix=&uploads=")
    }

    @Test("Header names are lowercased and sorted; values trimmed, whitespace runs collapsed")
    func headerCanonicalisation() throws {
        let lines = try Self.canonicalHeaderLines([
            SigV4Header(name: "Zeta", value: "  a   b \t c  "),
            Self.host,
            SigV4Header(name: "X-Custom", value: "\"quoted   value\""),
            SigV4Header(name: "ALPHA", value: "Mixed Case Value"),
        ])
        #expect(
            lines == [
                "alpha:Mixed Case Value",
                "host:example.amazonaws.com",
                "x-amz-date:20150830T123600Z",
                "x-custom:\"quoted value\"",
                "zeta:a b c",
            ]
        )
    }

    @Test("Repeated headers are joined with commas in the order given")
    func multiValueHeaders() throws {
        let lines = try Self.canonicalHeaderLines([
            Self.host,
            SigV4Header(name: "My-Header", value: "value2"),
            SigV4Header(name: "my-header", value: " value1 "),
            SigV4Header(name: "MY-HEADER", value: "value3"),
        ])
        #expect(lines.contains("my-header:value2,value1,value3"))
    }

    @Test("Generic mode adds no x-amz-content-sha256 unless given; S3 mode always does")
    func contentSHA256ByMode() throws {
        let request = SigV4Request(method: "GET", path: "/", headers: [Self.host])
        #expect(try Self.signer.sign(request, date: Self.date).signedHeaders == "host;x-amz-date")
        var given = request
        given.headers.append(SigV4Header(name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD"))
        #expect(try Self.signer.sign(given, date: Self.date).signedHeaders == "host;x-amz-content-sha256;x-amz-date")

        let s3 = SigV4Signer.s3(credentials: Self.signer.credentials, region: "us-east-1")
        let signed = try s3.sign(given, date: Self.date)
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
        // The request's own x-amz-content-sha256 is replaced by the payload hash, not signed twice.
        #expect(signed.canonicalRequest.contains("\nx-amz-content-sha256:\(SigV4Payload.empty.hash)\n"))
        #expect(signed.requestHeaders.filter { $0.name.lowercased() == "x-amz-content-sha256" }.count == 1)
    }

    @Test("An existing Authorization or X-Amz-Date header is replaced")
    func replacesOwnHeaders() throws {
        let request = SigV4Request(
            method: "GET",
            path: "/",
            headers: [
                Self.host,
                SigV4Header(name: "authorization", value: "old"),
                SigV4Header(name: "x-amz-date", value: "19990101T000000Z"),
            ]
        )
        let signed = try Self.signer.sign(request, date: Self.date)
        #expect(signed.signedHeaders == "host;x-amz-date")
        #expect(signed.requestHeaders.map { $0.name.lowercased() }.sorted() == ["authorization", "host", "x-amz-date"])
        #expect(!signed.requestHeaders.contains { $0.value == "old" || $0.value == "19990101T000000Z" })
    }
}

@Suite("SigV4 errors, dates and credentials")
struct SigV4ValidationTests {
    static let signer = SigV4Signer.s3(
        credentials: SigV4Credentials(
            accessKeyID: "AKID",
            secretAccessKey: "very-secret",
            sessionToken: "session-tok-123"
        ),
        region: "eu-west-1"
    )
    static let date = Date(timeIntervalSince1970: 1_369_353_600)
    static let host = SigV4Header(name: "Host", value: "bucket.example")

    @Test("Signing without a Host header fails")
    func missingHost() {
        let request = SigV4Request(method: "GET", path: "/k")
        #expect(throws: SigV4Error.missingHostHeader) { try Self.signer.sign(request, date: Self.date) }
        #expect(throws: SigV4Error.missingHostHeader) {
            try Self.signer.presign(request, date: Self.date, expiresIn: 60)
        }
    }

    @Test("Header names that are not HTTP tokens are rejected", arguments: ["", "Bad Name", "a:b", "x\n"])
    func invalidHeaderName(name: String) {
        let request = SigV4Request(method: "GET", path: "/", headers: [Self.host, SigV4Header(name: name, value: "v")])
        #expect(throws: SigV4Error.invalidHeaderName(name)) { try Self.signer.sign(request, date: Self.date) }
    }

    @Test("Presigned expiry must be 1...604800 seconds", arguments: [0, -1, 604_801])
    func invalidExpiry(seconds: Int) {
        let request = SigV4Request(method: "GET", path: "/", headers: [Self.host])
        #expect(throws: SigV4Error.invalidExpiry(seconds)) {
            try Self.signer.presign(request, date: Self.date, expiresIn: seconds)
        }
    }

    @Test("Presigned expiry bounds are accepted", arguments: [1, 604_800])
    func validExpiry(seconds: Int) throws {
        let request = SigV4Request(method: "GET", path: "/", headers: [Self.host])
        let presigned = try Self.signer.presign(request, date: Self.date, expiresIn: seconds)
        #expect(presigned.encodedQuery.contains("&X-Amz-Expires=\(seconds)&"))
    }

    @Test("Dates that cannot be formatted are rejected")
    func invalidDates() {
        #expect(throws: SigV4Error.invalidDate) { try SigV4Timestamp(Date(timeIntervalSince1970: .infinity)) }
        #expect(throws: SigV4Error.invalidDate) { try SigV4Timestamp(Date(timeIntervalSince1970: .nan)) }
        #expect(throws: SigV4Error.invalidDate) { try SigV4Timestamp(Date(timeIntervalSince1970: 1e15)) }
    }

    @Test(
        "Timestamps agree with Foundation's calendar",
        arguments: [
            0.0, 1_369_353_600, 1_440_938_160, 951_782_400, 951_868_799.75, 4_102_444_799, -1, -86_400.5,
            -2_208_988_800, 253_402_300_799,
        ]
    )
    func timestamps(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let truncated = Date(timeIntervalSince1970: seconds.rounded(.down))
        let timestamp = try SigV4Timestamp(date)
        #expect(timestamp.amzDate == formatter.string(from: truncated))
        #expect(timestamp.dateStamp == String(timestamp.amzDate.prefix(8)))
    }

    @Test("Known timestamps")
    func knownTimestamps() throws {
        #expect(try SigV4Timestamp(Date(timeIntervalSince1970: 0)).amzDate == "19700101T000000Z")
        #expect(try SigV4Timestamp(Date(timeIntervalSince1970: 951_782_400)).amzDate == "20000229T000000Z")
        #expect(try SigV4Timestamp(Date(timeIntervalSince1970: -1)).amzDate == "19691231T235959Z")
    }

    @Test("Credentials never print their secret or token")
    func redactedDescription() {
        let credentials = Self.signer.credentials
        for text in [String(describing: credentials), String(reflecting: credentials), "\(credentials)"] {
            #expect(!text.contains("very-secret"))
            #expect(!text.contains("session-tok-123"))
            #expect(text.contains("AKID"))
        }
    }

    @Test("Existing auth query parameters are replaced when presigning")
    func presignReplacesAuthParameters() throws {
        let request = SigV4Request(
            method: "GET",
            path: "/k",
            queryItems: [
                SigV4QueryItem(name: "X-Amz-Signature", value: "old"),
                SigV4QueryItem(name: "X-Amz-Expires", value: "5"),
                SigV4QueryItem(name: "versionId", value: "3"),
            ],
            headers: [Self.host]
        )
        let presigned = try Self.signer.presign(request, date: Self.date, expiresIn: 60)
        #expect(presigned.queryItems.filter { $0.name == "X-Amz-Signature" }.count == 1)
        #expect(
            presigned.queryItems.filter { $0.name == "X-Amz-Expires" } == [
                SigV4QueryItem(name: "X-Amz-Expires", value: "60")
            ]
        )
        #expect(presigned.encodedQuery.hasSuffix("&versionId=3&X-Amz-Signature=\(presigned.signature)"))
        #expect(!presigned.encodedQuery.contains("old"))
    }
}
