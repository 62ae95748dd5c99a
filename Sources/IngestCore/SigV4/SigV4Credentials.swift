import Foundation

/// AWS credentials used to sign requests.
///
/// `description` and `debugDescription` never print the secret or the session token, so a value can be logged.
public struct SigV4Credentials: Sendable, Hashable {
    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: String
    /// A temporary session token (STS). When present it is sent, and signed, as `x-amz-security-token`
    /// (or as the `X-Amz-Security-Token` query parameter of a presigned URL).
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

extension SigV4Credentials: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        let token = sessionToken == nil ? "none" : "<redacted>"
        return "SigV4Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, sessionToken: \(token))"
    }

    public var debugDescription: String { description }
}
