import Foundation
import IngestCore
import IngestPublish
import TestSupport
import Testing

/// Counts retries reported by a connection (the closure runs on the connection's thread).
final class RetryCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func bump() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

@Suite("S3 against moto_server with signatures enforced")
struct S3ObjectTests {
    @Test func smallPutStoresTheBytesWithTypeAndCaching() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("poster.jpg", size: 150_000)
        let key = S3TestServer.uniquePrefix("small") + "/poster.jpg"
        let client = try server.client()
        let etag = try await client.withConnection { connection throws(S3Error) in
            try connection.putObject(key: key, file: file, cacheControl: ObjectKind(key: key).cacheControl)
        }
        // Independent check: the aws CLI downloads it and reports the metadata.
        let back = scratch.path + "/back.jpg"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(key)", back])
        #expect(try filesEqual(file, back))
        let head = try await server.aws(["s3api", "head-object", "--bucket", server.bucket, "--key", key]).stdout
        let json = try #require(try JSONSerialization.jsonObject(with: Data(head.utf8)) as? [String: Any])
        #expect(json["ContentType"] as? String == "image/jpeg")
        #expect(json["CacheControl"] as? String == "public, max-age=31536000, immutable")
        #expect(json["ETag"] as? String == etag)
        let md5 = try await runProcessAsync("/usr/bin/md5sum", [file]).stdout.prefix(32)
        #expect(etag == "\"\(md5)\"")
    }

    @Test func multipartOfAFileThatIsNotAMultipleOfThePartSize() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let partSize: Int64 = 5 << 20
        let size = Int(partSize) * 3 + 123_457
        let file = try scratch.randomFile("original.mov", size: size)
        let key = S3TestServer.uniquePrefix("multipart") + "/original.mov"
        // Through a logging proxy, to see the checksum headers sent.
        let proxy = try FaultProxy(upstream: server.endpoint, failures: 0, log: scratch.path + "/requests.jsonl")
        defer { proxy.stop() }
        let summary = try await uploadMultipart(
            try server.client(endpoint: proxy.endpoint),
            file: file,
            key: key,
            partSize: partSize,
            concurrency: 3
        )
        #expect(summary.partCount == 4)
        #expect(summary.partsSent == 4)
        #expect(summary.etag.hasSuffix("-4\""))
        let parts = try await server.aws(["s3api", "head-object", "--bucket", server.bucket, "--key", key]).stdout
        #expect(parts.contains("\"ContentLength\": \(size)"))
        let back = scratch.path + "/back.mov"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(key)", back])
        #expect(try filesEqual(file, back))
        // Declared CRC-32: every part carried its CRC-32 (the value S3 verifies), the completion listed them, and the
        // server combined them into the object's checksum.
        let expected = try crc32s(file, partSize: partSize)
        let requests = proxy.requests()
        #expect(requests.contains { ($0["headers"] as? [String: String])?["x-amz-checksum-algorithm"] == "CRC32" })
        var sent: [Int: String] = [:]
        for request in requests {
            guard let path = request["path"] as? String,
                let number = URLComponents(string: path)?.queryItems?.first(where: { $0.name == "partNumber" })?.value
                    .flatMap(Int.init)
            else { continue }
            sent[number] = (request["headers"] as? [String: String])?["x-amz-checksum-crc32"]
        }
        #expect((1...4).map { sent[$0] } == expected.parts)
        let complete = requests.first { ($0["body"] as? String)?.contains("<CompleteMultipartUpload>") == true }
        let listed = (complete?["body"] as? String).map { body in
            expected.parts.allSatisfy { body.contains("<ChecksumCRC32>\($0)</ChecksumCRC32>") }
        }
        #expect(listed == true)
        #expect(try await server.storedCRC32(key: key) == expected.composite)
    }

    @Test func headAndGetReadBackWhatWasPut() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("seg-00001.m4s", size: 777_777)
        let key = S3TestServer.uniquePrefix("readback") + "/seg-00001.m4s"
        let back = scratch.path + "/back.m4s"
        let client = try server.client()
        let (etag, head, missing) = try await client.withConnection { connection throws(S3Error) in
            let etag = try connection.putObject(key: key, file: file)
            let head = try connection.headObject(key: key)
            let missing = try connection.headObject(key: key + ".absent")
            try connection.getObject(key: key, to: back)
            return (etag, head, missing)
        }
        #expect(head?.size == 777_777)
        #expect(head?.etag == etag)
        #expect(missing == nil)
        #expect(try filesEqual(file, back))
        // A missing object is an error for GET, with S3's code.
        let nowhere = scratch.path + "/none"
        let error = await #expect(throws: S3Error.self) {
            try await client.withConnection { connection throws(S3Error) in
                try connection.getObject(key: key + ".absent", to: nowhere)
            }
        }
        #expect(error?.code == "NoSuchKey")
        #expect(!FileManager.default.fileExists(atPath: nowhere), "no error document left behind as the object")
    }

    @Test func checksumNoneSendsOnlyContentMD5() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let partSize: Int64 = 5 << 20
        let size = Int(partSize) + 4_321
        let file = try scratch.randomFile("plain.mov", size: size)
        let key = S3TestServer.uniquePrefix("nocrc") + "/plain.mov"
        let base = try server.client()
        var options = base.options
        options.checksumCRC32 = false
        let client = try S3Client(bucket: server.bucket, credentials: server.credentials, options: options)
        let summary = try await uploadMultipart(client, file: file, key: key, partSize: partSize, concurrency: 2)
        #expect(summary.partsSent == 2)
        #expect(try await server.storedCRC32(key: key) == nil)
        let back = scratch.path + "/back.mov"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(key)", back])
        #expect(try filesEqual(file, back))
    }

    @Test func wrongSecretFailsFastWithWhatToFix() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("a.ts", size: 1000)
        let client = try server.client(secret: "not-the-secret")
        let retries = RetryCounter()
        let key = S3TestServer.uniquePrefix("badsecret") + "/a.ts"
        let error = await #expect(throws: S3Error.self) {
            try await client.withConnection { connection throws(S3Error) in
                connection.onRetry = { _, _ in retries.bump() }
                return try connection.putObject(key: key, file: file)
            }
        }
        #expect(error?.code == "SignatureDoesNotMatch")
        #expect(error?.isRetryable == false)
        #expect(retries.count == 0)
        #expect(error?.description.contains("check AWS_SECRET_ACCESS_KEY") == true)
        #expect(error?.description.contains("not-the-secret") == false)

        // The same through the CLI: exit 1, the fix in the message, no secret anywhere.
        let config = try scratch.config(server: server, prefix: "tests")
        var environment = server.awsEnvironment
        environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let result = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["push", "--config", config, file, "s3://\(server.bucket)/\(key)"],
            environment: environment
        )
        #expect(result.status == 1)
        #expect(result.stderr.contains("SignatureDoesNotMatch"))
        #expect(result.stderr.contains("check AWS_SECRET_ACCESS_KEY"))
        #expect(!result.stderr.contains("not-the-secret") && !result.stdout.contains("not-the-secret"))
    }

    @Test func unknownAccessKeySaysWhichVariableToFix() async throws {
        let server = try S3TestServer.require()
        var options = S3Client.Options(endpoint: server.endpoint, region: server.region, pathStyle: true)
        options.backoff = Backoff(maxAttempts: 3, base: .milliseconds(10), cap: .milliseconds(50))
        let client = try S3Client(
            bucket: server.bucket,
            credentials: SigV4Credentials(accessKeyID: "AKIANOTAKEY000000000", secretAccessKey: "x"),
            options: options
        )
        let error = await #expect(throws: S3Error.self) {
            try await client.withConnection { connection throws(S3Error) in
                try connection.putObject(key: "tests/nokey", bytes: [1, 2, 3])
            }
        }
        #expect(error?.code == "InvalidAccessKeyId")
        #expect(error?.description.contains("check AWS_ACCESS_KEY_ID") == true)
    }

    @Test func serverAnswering503SucceedsAfterRetries() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("seg.m4s", size: 300_000)
        let key = S3TestServer.uniquePrefix("retry") + "/seg.m4s"

        let proxy = try FaultProxy(upstream: server.endpoint, failures: 3)
        defer { proxy.stop() }
        let retries = RetryCounter()
        let client = try server.client(endpoint: proxy.endpoint)
        let etag = try await client.withConnection { connection throws(S3Error) in
            connection.onRetry = { _, error in
                if error.code == "SlowDown" { retries.bump() }
            }
            return try connection.putObject(key: key, file: file)
        }
        #expect(retries.count == 3)
        let back = scratch.path + "/back.m4s"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(key)", back])
        #expect(try filesEqual(file, back))
        #expect(!etag.isEmpty)

        // Retries are bounded: more failures than tries ends in the server's error.
        let stubborn = try FaultProxy(upstream: server.endpoint, failures: 10)
        defer { stubborn.stop() }
        let limited = try server.client(
            endpoint: stubborn.endpoint,
            backoff: Backoff(maxAttempts: 3, base: .milliseconds(10), cap: .milliseconds(50))
        )
        let error = await #expect(throws: S3Error.self) {
            try await limited.withConnection { connection throws(S3Error) in
                try connection.putObject(key: key, file: file)
            }
        }
        #expect(error?.code == "SlowDown")
    }

    @Test func presignedGetIsFetchedByPlainCurlAndMatchesBotocore() async throws {
        let server = try S3TestServer.require()
        let open = try S3TestServer.value("REEL_INGEST_TEST_S3_OPEN_ENDPOINT")
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("thumb 1.jpg", size: 20_000)
        let key = S3TestServer.uniquePrefix("presign") + "/thumb 1.jpg"
        let client = try server.client(endpoint: open)
        try await client.withConnection { connection throws(S3Error) in
            _ = try connection.putObject(key: key, file: file)
        }
        let date = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let url = try client.presignedGetURL(key: key, expiresIn: 600, date: date)

        let back = scratch.path + "/back.jpg"
        let fetched = try await runProcessAsync("/usr/bin/curl", ["-sf", "-o", back, url])
        #expect(fetched.status == 0)
        #expect(try filesEqual(file, back))

        // moto cannot check presigned signatures, so botocore signs the same request at the same instant.
        let signature = try #require(url.split(separator: "X-Amz-Signature=").last.map(String.init))
        let amzDate = try SigV4Timestamp(date).amzDate
        let python = """
            import sys
            from botocore.auth import S3SigV4QueryAuth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            url, key, secret, stamp = sys.argv[1:5]
            auth = S3SigV4QueryAuth(Credentials(key, secret), "s3", "us-east-1", expires=600)
            request = AWSRequest(method="GET", url=url)
            request.context["timestamp"] = stamp
            auth._modify_request_before_signing(request)
            canonical = auth.canonical_request(request)
            print(auth.signature(auth.string_to_sign(request, canonical), request))
            """
        let objectURL = "\(open)/\(server.bucket)/\(URIEncoding.encodePath(key))"
        let botocore = try await runProcessAsync(
            "/usr/bin/env",
            ["python3", "-c", python, objectURL, server.accessKey, server.secretKey, amzDate]
        )
        #expect(botocore.status == 0, "\(botocore.stderr)")
        #expect(botocore.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == signature)
    }
}

/// One multipart upload of a whole file with an in-memory journal, off the cooperative pool.
private func uploadMultipart(_ client: S3Client, file: String, key: String, partSize: Int64, concurrency: Int)
    async throws -> UploadSummary
{
    let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64 ?? 0
    let upload = MultipartUpload(
        client: client,
        journal: MemoryJournal(),
        target: UploadTarget(storeURL: "s3://\(client.bucket)", key: key, localPath: file, size: size, mtimeNs: 1),
        partSize: partSize,
        concurrency: concurrency
    )
    return try await runBlocking { () throws(S3Error) -> UploadSummary in try upload.run() }
}
