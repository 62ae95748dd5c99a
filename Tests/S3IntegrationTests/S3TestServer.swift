import Foundation
import IngestCore
import IngestPublish
import TestSupport

/// The moto server `make test` starts (scripts/test-servers.sh), found through environment variables.
struct S3TestServer {
    let endpoint: String
    let accessKey: String
    let secretKey: String
    let bucket: String
    let region: String

    /// Fails (never skips) when the server is not there.
    static func require() throws -> S3TestServer {
        S3TestServer(
            endpoint: try value("REEL_INGEST_TEST_S3_ENDPOINT"),
            accessKey: try value("REEL_INGEST_TEST_S3_ACCESS_KEY"),
            secretKey: try value("REEL_INGEST_TEST_S3_SECRET_KEY"),
            bucket: try value("REEL_INGEST_TEST_S3_BUCKET"),
            region: TestServerEnvironment.region
        )
    }

    /// One of the variables `make test` exports for the S3 integration tests.
    static func value(_ name: String) throws -> String {
        try TestServerEnvironment.value(name, neededBy: "the S3 integration tests")
    }

    var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secretKey)
    }

    /// A client on this server; tests shorten the backoff so retries take milliseconds.
    func client(secret: String? = nil, endpoint: String? = nil, backoff: Backoff? = nil) throws -> S3Client {
        var options = S3Client.Options(endpoint: endpoint ?? self.endpoint, region: region, pathStyle: true)
        options.backoff = backoff ?? Backoff(maxAttempts: 5, base: .milliseconds(20), cap: .milliseconds(200))
        let credentials = SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secret ?? secretKey)
        return try S3Client(bucket: bucket, credentials: credentials, options: options)
    }

    /// A store under `prefix` with a journal in memory: 5 MiB parts, multipart from 8 MiB.
    func store(prefix: String, endpoint: String? = nil, concurrency: Int = 2) throws -> S3Store {
        S3Store(
            client: try client(endpoint: endpoint),
            prefix: prefix,
            journal: MemoryJournal(),
            partSize: 5 << 20,
            multipartThreshold: 8 << 20,
            concurrency: concurrency
        )
    }

    /// A key prefix no other test uses.
    static func uniquePrefix(_ name: String) -> String {
        "tests/\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Environment for the `aws` CLI and `reel-ingest` subprocesses.
    var awsEnvironment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        ]
    }

    /// Runs the aws CLI against this server: an independent client to check what our code stored. Awaited on a
    /// thread of its own, so the cooperative pool never waits for it.
    @discardableResult
    func aws(_ arguments: [String]) async throws -> ProcessResult {
        let result = try await runProcessAsync(
            "/usr/bin/env",
            ["aws", "--endpoint-url", endpoint] + arguments,
            environment: awsEnvironment
        )
        guard result.status == 0 else {
            throw ProcessFailure(command: "aws " + arguments.joined(separator: " "), result: result)
        }
        return result
    }
}
