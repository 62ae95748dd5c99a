import Crypto
import Foundation

/// The derived signing key for one (date, region, service) and one secret.
///
/// Deriving it costs four HMACs; a caller signing many requests can derive it once a day with
/// `SigV4Signer.signingKey(for:)` and pass it to `sign`/`presign`. A key whose scope or secret does not match the
/// request being signed is ignored and a fresh one derived, so passing a stale key is never wrong, only slower.
public struct SigV4SigningKey: Sendable {
    /// `yyyyMMdd`.
    public let dateStamp: String
    public let region: String
    public let service: String
    let key: SymmetricKey
    /// SHA-256 of the secret it was derived from, to recognise a key made from other credentials.
    private let secretFingerprint: SHA256.Digest

    init(secretAccessKey: String, dateStamp: String, region: String, service: String) {
        let secret = SymmetricKey(data: Data(("AWS4" + secretAccessKey).utf8))
        let dateKey = Self.hmac(secret, dateStamp)
        let regionKey = Self.hmac(dateKey, region)
        let serviceKey = Self.hmac(regionKey, service)
        self.key = Self.hmac(serviceKey, "aws4_request")
        self.dateStamp = dateStamp
        self.region = region
        self.service = service
        self.secretFingerprint = SHA256.hash(data: Data(secretAccessKey.utf8))
    }

    /// `yyyyMMdd/region/service/aws4_request`.
    public var credentialScope: String {
        "\(dateStamp)/\(region)/\(service)/aws4_request"
    }

    func matches(secretAccessKey: String, dateStamp: String, region: String, service: String) -> Bool {
        self.dateStamp == dateStamp && self.region == region && self.service == service
            && secretFingerprint == SHA256.hash(data: Data(secretAccessKey.utf8))
    }

    /// Lowercase hex HMAC-SHA256 of `stringToSign` under this key: the SigV4 signature of any string to sign
    /// (also usable for S3 POST policies and chunk signatures).
    public func signature(for stringToSign: String) -> String {
        SigV4Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)))
    }
}
