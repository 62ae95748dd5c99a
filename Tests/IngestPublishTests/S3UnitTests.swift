import Foundation
import IngestCore
import Testing

@testable import IngestPublish

@Suite("S3 addressing, error handling, XML, digests and the file store (no server)")
struct S3UnitTests {
    @Test func pathStyleAndVirtualHostAddressing() throws {
        let path = try S3Endpoint(
            endpoint: "http://127.0.0.1:9000",
            region: "us-east-1",
            bucket: "media",
            pathStyle: true
        )
        #expect(path.hostHeader == "127.0.0.1:9000")
        #expect(path.path(forKey: "videos/a b.mp4") == "/media/videos/a b.mp4")
        #expect(
            path.url(rawPath: path.path(forKey: "videos/a b.mp4"), query: [SigV4QueryItem(name: "uploads")])
                == "http://127.0.0.1:9000/media/videos/a%20b.mp4?uploads"
        )
        let virtual = try S3Endpoint(endpoint: nil, region: "eu-west-1", bucket: "media", pathStyle: false)
        #expect(virtual.hostHeader == "media.s3.eu-west-1.amazonaws.com")
        #expect(virtual.path(forKey: "k") == "/k")
        #expect(virtual.path(forKey: nil) == "/")
        #expect(
            virtual.url(
                rawPath: "/k",
                query: [
                    SigV4QueryItem(name: "partNumber", value: "3"), SigV4QueryItem(name: "uploadId", value: "a+b/c"),
                ]
            ) == "https://media.s3.eu-west-1.amazonaws.com/k?partNumber=3&uploadId=a%2Bb%2Fc"
        )
        let defaultPort = try S3Endpoint(
            endpoint: "https://minio.local:443",
            region: "x",
            bucket: "b",
            pathStyle: false
        )
        #expect(defaultPort.hostHeader == "b.minio.local")
        #expect(throws: S3Error.self) {
            try S3Endpoint(endpoint: "ftp://x", region: "us-east-1", bucket: "b", pathStyle: true)
        }
    }

    @Test func retryableAndFatalErrors() {
        func service(_ status: Int, _ code: String) -> S3Error {
            .service(operation: "PutObject", status: status, code: code, message: "", requestID: nil, bucket: "media")
        }
        #expect(service(503, "SlowDown").isRetryable)
        #expect(service(500, "InternalError").isRetryable)
        #expect(service(400, "RequestTimeout").isRetryable)
        #expect(!service(403, "SignatureDoesNotMatch").isRetryable)
        #expect(!service(403, "AccessDenied").isRetryable)
        #expect(!service(404, "NoSuchBucket").isRetryable)
        #expect(!service(403, "InvalidAccessKeyId").isRetryable)
        #expect(service(404, "NoSuchBucket").description.contains("Bucket media does not exist"))
        #expect(service(403, "AccessDenied").description.contains("s3:PutObject"))
        #expect(service(403, "InvalidAccessKeyId").description.contains("AWS_ACCESS_KEY_ID"))
        let refused = CurlError(kind: .easy, code: CurlError.Code.couldntConnect, message: "Couldn't connect")
        #expect(S3Error.transport(operation: "PutObject", refused).isRetryable)
        let tls = CurlError(kind: .easy, code: CurlError.Code.peerFailedVerification, message: "cert")
        #expect(!S3Error.transport(operation: "PutObject", tls).isRetryable)
        #expect(S3Error.transport(operation: "PutObject", tls).description.contains("storage.ca_bundle"))
    }

    @Test func readsS3Replies() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListPartsResult><IsTruncated>false</IsTruncated>
            <Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag><Size>5242880</Size></Part>
            <Part><PartNumber>2</PartNumber><ETag>"def"</ETag><Size>10</Size></Part>
            </ListPartsResult>
            """
        let parts = S3XML.blocks("Part", in: xml)
        #expect(parts.count == 2)
        #expect(S3XML.value("ETag", in: parts[0]) == "\"abc\"")
        #expect(S3XML.values("Size", in: xml) == ["5242880", "10"])
        #expect(S3XML.escape("\"a&b\"") == "&quot;a&amp;b&quot;")
    }

    @Test func digestsMatchMd5sumAndZlib() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(3_000_000)
        let file = try directory.file("f.bin", bytes: bytes)
        let whole = try FileRegionDigest.digest(path: file.path)
        let md5sum = try shell("/usr/bin/md5sum", [file.path]).prefix(32)
        #expect(whole.hex == String(md5sum))
        let region = try directory.file("r.bin", bytes: Array(bytes[1_000_000..<2_500_000]))
        let regionSum = try shell("/usr/bin/md5sum", [region.path]).prefix(32)
        let regionDigest = try FileRegionDigest.digest(path: file.path, offset: 1_000_000, length: 1_500_000)
        #expect(regionDigest.hex == String(regionSum))
        #expect(Data(base64Encoded: whole.base64).map(Array.init) == whole.md5)
        // The CRC header value as botocore would compute it: zlib's CRC-32, big-endian, base64.
        let python = try shell(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import base64, sys, zlib; print(base64.b64encode(zlib.crc32(open(sys.argv[1], 'rb').read())"
                    + ".to_bytes(4, 'big')).decode())",
                region.path,
            ]
        )
        #expect(regionDigest.crc32Base64 == python.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func fileStoreWritesAtomicallyAndKeepsNoTempFiles() async throws {
        let directory = try CurlTestDirectory()
        let source = try directory.file("src.m4s", bytes: randomBytes(2_500_000))
        let root = directory.path("published").path
        let store = FileStore(directory: root)
        let stored = try await store.put(file: source.path, key: "videos/v1/720p/seg-1.m4s")
        #expect(stored.size == 2_500_000)
        let target = root + "/videos/v1/720p/seg-1.m4s"
        #expect(FileManager.default.contents(atPath: target) == FileManager.default.contents(atPath: source.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/videos/v1/720p") == ["seg-1.m4s"])
        // Overwriting replaces the object whole.
        let newer = try directory.file("newer.m4s", bytes: randomBytes(10))
        _ = try await store.put(file: newer.path, key: "videos/v1/720p/seg-1.m4s")
        #expect(FileManager.default.contents(atPath: target)?.count == 10)
    }
}

func shell(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
