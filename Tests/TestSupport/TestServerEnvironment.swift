import Foundation

/// The servers `make test` starts (scripts/test-servers.sh) are found through the variables it writes to
/// `.build/test-servers.env`. A missing one fails the test, never skips it, and says what to run.
public enum TestServerEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        /// Who needs it: "the S3 integration tests", "the end-to-end tests".
        public let neededBy: String
        public var description: String {
            "\(variable) is not set: \(neededBy) need the servers `make test` starts "
                + "(scripts/test-servers.sh start, then export .build/test-servers.env)."
        }
    }

    public static func value(_ variable: String, neededBy: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw Missing(variable: variable, neededBy: neededBy)
        }
        return value
    }

    public static var region: String {
        ProcessInfo.processInfo.environment["REEL_INGEST_TEST_S3_REGION"] ?? "us-east-1"
    }
}
