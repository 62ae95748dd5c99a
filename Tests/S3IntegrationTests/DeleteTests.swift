import Foundation
import IngestCore
import IngestPublish
import TestSupport
import Testing

/// Deleting, which cleaning up a video's replaced revisions needs: checked with the aws CLI.
@Suite("S3 delete")
struct DeleteTests {
    @Test func deletesAnObjectAndAMissingOneIsFine() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("x.bin", size: 1000)
        let prefix = S3TestServer.uniquePrefix("delete")
        let keys = ["\(prefix)/videos/v-1/r1/seg_1.m4s", "\(prefix)/videos/v-1/r1/seg_2.m4s"]
        for key in keys { try await server.aws(["s3", "cp", file, "s3://\(server.bucket)/\(key)", "--quiet"]) }
        let client = try server.client()
        try await client.withConnection { connection throws(S3Error) in
            try connection.deleteObject(key: keys[0])
            try connection.deleteObject(key: keys[0])  // already gone: still fine
        }
        let gone = try await runProcessAsync(
            "/usr/bin/env",
            [
                "aws", "--endpoint-url", server.endpoint, "s3api", "head-object", "--bucket", server.bucket, "--key",
                keys[0],
            ],
            environment: server.awsEnvironment
        )
        #expect(gone.status != 0 && gone.stderr.contains("404"))
        try await server.aws(["s3api", "head-object", "--bucket", server.bucket, "--key", keys[1]])
    }
}
