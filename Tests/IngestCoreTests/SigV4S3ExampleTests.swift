import Foundation
import IngestCore
import Testing

/// The worked examples of S3's "Signature Calculations for the Authorization Header" and "Authenticating
/// Requests: Using Query Parameters" pages, signed in `.s3` mode.
@Suite("SigV4 S3 published examples (s3 mode)")
struct SigV4S3ExampleTests {
    static let credentials = SigV4Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    static let signer = SigV4Signer.s3(credentials: credentials, region: "us-east-1")
    /// 20130524T000000Z
    static let date = Date(timeIntervalSince1970: 1_369_353_600)
    static let host = SigV4Header(name: "Host", value: "examplebucket.s3.amazonaws.com")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let scope = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"

    static func stringToSign(_ canonicalRequestHash: String) -> String {
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + canonicalRequestHash
    }

    @Test("GET Object with Range")
    func getObject() throws {
        let request = SigV4Request(
            method: "GET",
            path: "/test.txt",
            headers: [Self.host, SigV4Header(name: "Range", value: "bytes=0-9")],
            payload: .empty
        )
        let signed = try Self.signer.sign(request, date: Self.date)
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:\(Self.emptyHash)
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                \(Self.emptyHash)
                """
        )
        #expect(
            signed.stringToSign
                == Self.stringToSign("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
        )
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=\(Self.scope), "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(
            signed.headersToAdd == [
                SigV4Header(name: "Authorization", value: signed.authorization),
                SigV4Header(name: "X-Amz-Date", value: "20130524T000000Z"),
                SigV4Header(name: "x-amz-content-sha256", value: Self.emptyHash),
            ]
        )
        #expect(signed.requestHeaders.count == 5)
    }

    @Test("PUT Object with a `$` in the key and a signed body")
    func putObject() throws {
        let payload = SigV4Payload.sha256(of: Data("Welcome to Amazon S3.".utf8))
        #expect(payload.hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let request = SigV4Request(
            method: "PUT",
            path: "/test$file.text",
            headers: [
                Self.host,
                SigV4Header(name: "Date", value: "Fri, 24 May 2013 00:00:00 GMT"),
                SigV4Header(name: "x-amz-storage-class", value: "REDUCED_REDUNDANCY"),
            ],
            payload: payload
        )
        let signed = try Self.signer.sign(request, date: Self.date)
        #expect(request.encodedPath == "/test%24file.text")
        #expect(
            signed.canonicalRequest == """
                PUT
                /test%24file.text

                date:Fri, 24 May 2013 00:00:00 GMT
                host:examplebucket.s3.amazonaws.com
                x-amz-content-sha256:\(payload.hash)
                x-amz-date:20130524T000000Z
                x-amz-storage-class:REDUCED_REDUNDANCY

                date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class
                \(payload.hash)
                """
        )
        #expect(
            signed.stringToSign
                == Self.stringToSign("9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        )
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        #expect(signed.headersToAdd.contains(SigV4Header(name: "x-amz-content-sha256", value: payload.hash)))
    }

    @Test("GET Bucket lifecycle: `?lifecycle` is canonicalised as `lifecycle=`")
    func getBucketLifecycle() throws {
        let request = SigV4Request(
            method: "GET",
            path: "/",
            queryItems: [SigV4QueryItem(name: "lifecycle")],
            headers: [Self.host]
        )
        let signed = try Self.signer.sign(request, date: Self.date)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "lifecycle=")
        #expect(
            signed.stringToSign
                == Self.stringToSign("9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca")
        )
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
    }

    @Test("GET Bucket (List Objects): query parameters given out of order are sorted")
    func listObjects() throws {
        let request = SigV4Request(
            method: "GET",
            path: "/",
            queryItems: [SigV4QueryItem(name: "prefix", value: "J"), SigV4QueryItem(name: "max-keys", value: "2")],
            headers: [Self.host]
        )
        let signed = try Self.signer.sign(request, date: Self.date)
        #expect(
            signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
                == "max-keys=2&prefix=J"
        )
        #expect(
            signed.stringToSign
                == Self.stringToSign("df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7")
        )
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("Presigned GET Object, 24 hours")
    func presignedGetObject() throws {
        let request = SigV4Request(method: "GET", path: "/test.txt", headers: [Self.host])
        let presigned = try Self.signer.presign(request, date: Self.date, expiresIn: 86_400)
        let query =
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        #expect(
            presigned.canonicalRequest == """
                GET
                /test.txt
                \(query)
                host:examplebucket.s3.amazonaws.com

                host
                UNSIGNED-PAYLOAD
                """
        )
        #expect(
            presigned.stringToSign
                == Self.stringToSign("3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04")
        )
        let signature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        #expect(presigned.signature == signature)
        #expect(presigned.encodedQuery == query + "&X-Amz-Signature=" + signature)
        #expect(presigned.queryItems.last == SigV4QueryItem(name: "X-Amz-Signature", value: signature))
        #expect(
            presigned.url()?.absoluteString
                == "https://examplebucket.s3.amazonaws.com/test.txt?\(query)&X-Amz-Signature=\(signature)"
        )
    }

    @Test("A cached signing key gives the same signature; one for another day is ignored")
    func signingKeyReuse() throws {
        let request = SigV4Request(method: "GET", path: "/test.txt", headers: [Self.host])
        let expected = try Self.signer.sign(request, date: Self.date).signature
        let key = try Self.signer.signingKey(for: Self.date)
        #expect(key.credentialScope == "20130524/us-east-1/s3/aws4_request")
        #expect(try Self.signer.sign(request, date: Self.date, signingKey: key).signature == expected)

        let staleKey = try Self.signer.signingKey(for: Self.date.addingTimeInterval(-86_400))
        #expect(try Self.signer.sign(request, date: Self.date, signingKey: staleKey).signature == expected)

        var otherSecret = Self.signer
        otherSecret.credentials.secretAccessKey = "another-secret"
        let foreignKey = try otherSecret.signingKey(for: Self.date)
        #expect(try Self.signer.sign(request, date: Self.date, signingKey: foreignKey).signature == expected)
        #expect(try otherSecret.sign(request, date: Self.date).signature != expected)
    }

    @Test("A session token is sent and signed as x-amz-security-token, or as a presigned query parameter")
    func sessionToken() throws {
        var signer = Self.signer
        signer.credentials.sessionToken = "token/with+chars="
        let request = SigV4Request(
            method: "GET",
            path: "/test.txt",
            headers: [Self.host, SigV4Header(name: "X-Amz-Security-Token", value: "stale")]
        )
        let signed = try signer.sign(request, date: Self.date)
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(signed.canonicalRequest.contains("\nx-amz-security-token:token/with+chars=\n"))
        #expect(!signed.canonicalRequest.contains("stale"))
        #expect(signed.requestHeaders.filter { $0.name.lowercased() == "x-amz-security-token" }.count == 1)
        #expect(signed.signature != (try Self.signer.sign(request, date: Self.date).signature))

        let presigned = try signer.presign(request, date: Self.date, expiresIn: 60)
        #expect(presigned.encodedQuery.contains("&X-Amz-Security-Token=token%2Fwith%2Bchars%3D&"))
        #expect(presigned.signedHeaders == "host")
    }

    @Test("Unsigned payload in header signing")
    func unsignedPayload() throws {
        let request = SigV4Request(method: "PUT", path: "/big.mov", headers: [Self.host], payload: .unsigned)
        let signed = try Self.signer.sign(request, date: Self.date)
        #expect(signed.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(signed.headersToAdd.contains(SigV4Header(name: "x-amz-content-sha256", value: "UNSIGNED-PAYLOAD")))
    }
}
