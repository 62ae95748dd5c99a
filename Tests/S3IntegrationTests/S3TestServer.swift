import Foundation
import IngestCore
import IngestPublish
import TestSupport

/// The moto server `make test` starts (scripts/test-servers.sh), found through environment variables.
struct S3TestServer {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String {
            "\(variable) is not set: the S3 integration tests need the moto server that `make test` starts. "
                + "Run `make test` (or `scripts/test-servers.sh start` and export the variables in "
                + ".build/test-servers.env)."
        }
    }

    let endpoint: String
    let accessKey: String
    let secretKey: String
    let bucket: String
    let region: String

    /// Fails (never skips) when the server is not there.
    static func require() throws -> S3TestServer {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw Missing(variable: name) }
            return value
        }
        return S3TestServer(
            endpoint: try value("REEL_INGEST_TEST_S3_ENDPOINT"),
            accessKey: try value("REEL_INGEST_TEST_S3_ACCESS_KEY"),
            secretKey: try value("REEL_INGEST_TEST_S3_SECRET_KEY"),
            bucket: try value("REEL_INGEST_TEST_S3_BUCKET"),
            region: environment["REEL_INGEST_TEST_S3_REGION"] ?? "us-east-1"
        )
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

    /// `aws` awaited on a thread of its own, for async tests (the cooperative pool must not block).
    @discardableResult
    func awsAsync(_ arguments: [String]) async throws -> ProcessResult {
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

    /// Runs the aws CLI against this server: an independent client to check what our code stored.
    @discardableResult
    func aws(_ arguments: [String]) throws -> ProcessResult {
        let result = try runProcess(
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
