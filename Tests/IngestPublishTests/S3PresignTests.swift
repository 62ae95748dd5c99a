import Foundation
import IngestCore
import Testing

@testable import IngestPublish

/// Presigned GET URLs (the status API's `/preview` of an S3 store) from the storage configuration: host and path
/// follow `path_style` and `endpoint` as every other request does, and botocore signs the same URL at the same
/// instant with the same signature.
@Suite("S3 presigned URLs (no server)")
struct S3PresignTests {
    static let date = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01T00:00:00Z
    static let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "presign/secret+key")

    /// A store's addressing settings and the object URL they must give.
    struct Store: Sendable, CustomTestStringConvertible {
        var endpoint: String?
        var pathStyle: Bool
        var region = "us-east-1"
        var url: String
        var testDescription: String { "\(endpoint ?? "AWS"), path_style = \(pathStyle)" }
    }

    static let stores = [
        Store(
            endpoint: "http://127.0.0.1:9000",
            pathStyle: true,
            url: "http://127.0.0.1:9000/media/videos/v1/a%201.jpg"
        ),
        Store(
            endpoint: nil,
            pathStyle: false,
            region: "eu-west-1",
            url: "https://media.s3.eu-west-1.amazonaws.com/videos/v1/a%201.jpg"
        ),
        Store(
            endpoint: "https://minio.example:9443",
            pathStyle: false,
            url: "https://media.minio.example:9443/videos/v1/a%201.jpg"
        ),
        Store(
            endpoint: "https://minio.example:443",
            pathStyle: true,
            url: "https://minio.example/media/videos/v1/a%201.jpg"
        ),
    ]

    @Test(arguments: stores)
    func urlFollowsTheStoreAddressingAndBotocoreAgrees(store: Store) throws {
        var storage = AgentConfig().storage
        storage.url = "s3://media/videos"
        storage.endpoint = store.endpoint
        storage.pathStyle = store.pathStyle
        storage.region = store.region
        let client = try S3Client(bucket: "media", credentials: Self.credentials, options: S3Client.Options(storage))
        let url = try client.presignedGetURL(key: "videos/v1/a 1.jpg", expiresIn: 600, date: Self.date)

        let parts = url.split(separator: "?", maxSplits: 1).map(String.init)
        #expect(parts.first == store.url)
        let query = parts.last ?? ""
        #expect(query.contains("X-Amz-Credential=AKIDEXAMPLE%2F20251201%2F\(store.region)%2Fs3%2Faws4_request"))
        #expect(query.contains("X-Amz-Expires=600") && query.contains("X-Amz-SignedHeaders=host"))
        let signature = try #require(query.split(separator: "X-Amz-Signature=").last.map(String.init))
        #expect(try botocoreSignature(url: store.url, region: store.region) == signature)
    }

    /// What botocore's S3 query signer makes of the same GET (it signs the host of the URL it is given).
    func botocoreSignature(url: String, region: String) throws -> String {
        let python = """
            import sys
            from botocore.auth import S3SigV4QueryAuth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            url, key, secret, region, stamp = sys.argv[1:6]
            auth = S3SigV4QueryAuth(Credentials(key, secret), "s3", region, expires=600)
            request = AWSRequest(method="GET", url=url)
            request.context["timestamp"] = stamp
            auth._modify_request_before_signing(request)
            print(auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request))
            """
        let stamp = try SigV4Timestamp(Self.date).amzDate
        let arguments = [
            "python3", "-c", python, url, Self.credentials.accessKeyID, Self.credentials.secretAccessKey, region, stamp,
        ]
        return try shell("/usr/bin/env", arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
