import Foundation
import IngestCore
import TestSupport
import Testing

@testable import IngestPublish

/// The CloudFront provider: a real CreateInvalidation against moto's CloudFront (read back with the aws CLI), and
/// the request's SigV4 signature compared with botocore's for the same request and instant.
@Suite("CDN: CloudFront invalidation")
struct CloudFrontTests {
    @Test func invalidationIsCreatedWithThePathsAndCallerReference() async throws {
        let endpoint = try S3TestServer.value("REEL_INGEST_TEST_S3_OPEN_ENDPOINT")
        let aws = ["AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"]
        func cli(_ arguments: [String]) async throws -> String {
            let result = try await runProcessAsync(
                "/usr/bin/env",
                ["aws", "--endpoint-url", endpoint] + arguments,
                environment: aws
            )
            guard result.status == 0 else { throw ProcessFailure(command: "aws", result: result) }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let distribution = try await cli([
            "cloudfront", "create-distribution", "--origin-domain-name", "media.s3.amazonaws.com",
            "--query", "Distribution.Id", "--output", "text",
        ])
        let options = CDNClient.Options(
            credentials: SigV4Credentials(accessKeyID: "test", secretAccessKey: "test"),
            cloudfrontEndpoint: endpoint
        )
        let reference = "reel-ingest-abc-r20261130T000000Z-0001"
        let outcome = try await runBlocking {
            try CDNClient(options: options).perform(
                .invalidate(distributionId: distribution, paths: ["/media/videos/abc/*"], callerReference: reference)
            )
        }
        #expect(outcome.succeeded, "\(outcome.error ?? "")")
        #expect(outcome.status == 201)
        let listed = try await cli([
            "cloudfront", "list-invalidations", "--distribution-id", distribution, "--query",
            "InvalidationList.Items[0].Id", "--output", "text",
        ])
        let batch = try await cli([
            "cloudfront", "get-invalidation", "--distribution-id", distribution, "--id", listed, "--query",
            "Invalidation.InvalidationBatch", "--output", "json",
        ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(batch.utf8)) as? [String: Any])
        #expect(object["CallerReference"] as? String == reference)
        #expect((object["Paths"] as? [String: Any])?["Items"] as? [String] == ["/media/videos/abc/*"])

        // A distribution that does not exist is a clear error, not a retry storm.
        let missing = try await runBlocking {
            try CDNClient(options: options).perform(
                .invalidate(distributionId: "ENOPE", paths: ["/x/*"], callerReference: "r")
            )
        }
        #expect(missing.error?.contains("invalidate") == true)
        #expect(missing.status.map { (400..<500).contains($0) } == true)
    }

    /// Signed as botocore signs it: same canonical request (generic SigV4 rules, service cloudfront, us-east-1).
    @Test func signatureMatchesBotocore() async throws {
        let invalidation = CloudFrontInvalidation(
            endpoint: "https://cloudfront.amazonaws.com",
            distributionId: "E2EXAMPLE",
            paths: ["/videos/abc/*"],
            callerReference: "ref-1"
        )
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let signed = try invalidation.signedRequest(
            credentials: SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret/KEY"),
            date: date
        )
        let ours = try #require(signed.headers.first { $0.hasPrefix("Authorization:") })
        let script = """
            import sys
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            body = sys.stdin.buffer.read()
            r = AWSRequest(method="POST", url="https://cloudfront.amazonaws.com/2020-05-31/distribution/E2EXAMPLE/invalidation",
                           data=body, headers={"Content-Type": "application/xml", "X-Amz-Date": "20270115T080000Z"})
            r.context["timestamp"] = "20270115T080000Z"
            auth = SigV4Auth(Credentials("AKIDEXAMPLE", "secret/KEY"), "cloudfront", "us-east-1")
            canonical = auth.canonical_request(r)
            signature = auth.signature(auth.string_to_sign(r, canonical), r)
            print("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20270115/us-east-1/cloudfront/aws4_request, "
                  "SignedHeaders=" + auth.signed_headers(auth.headers_to_sign(r)) + ", Signature=" + signature)
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cf-\(UUID().uuidString).py").path
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("cf-\(UUID().uuidString).xml").path
        try Data(signed.body).write(to: URL(fileURLWithPath: body))
        defer { try? FileManager.default.removeItem(atPath: body) }
        let result = try await runProcessAsync("/bin/sh", ["-c", "python3 \(file) < \(body)"])
        #expect(result.status == 0, "\(result.stderr)")
        let theirs = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ours == "Authorization: " + theirs)
    }
}
