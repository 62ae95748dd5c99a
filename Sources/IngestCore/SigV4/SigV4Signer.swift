import Foundation

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`).
///
/// A plain value: cheap to copy, safe to share between tasks. Header signing is `sign(_:date:signingKey:)`;
/// query signing (presigned URLs) is `presign(_:date:expiresIn:signingKey:)`.
public struct SigV4Signer: Sendable {
    /// The algorithm name that starts the `Authorization` header and the string to sign.
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: SigV4Credentials
    /// e.g. `us-east-1`.
    public var region: String
    /// The signing name of the service, e.g. `s3`.
    public var service: String
    public var mode: SigV4Mode

    public init(credentials: SigV4Credentials, region: String, service: String, mode: SigV4Mode) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.mode = mode
    }

    /// A signer for Amazon S3 (service `s3`, `.s3` mode).
    public static func s3(credentials: SigV4Credentials, region: String) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: region, service: "s3", mode: .s3)
    }

    /// Derives the signing key for the UTC day of `date`, to reuse across requests signed that day.
    public func signingKey(for date: Date) throws(SigV4Error) -> SigV4SigningKey {
        signingKey(for: try SigV4Timestamp(date), reusing: nil)
    }

    /// The canonical URI of a raw (unencoded) path under this signer's mode.
    public func canonicalURI(for rawPath: String) -> String {
        SigV4Canonical.uri(rawPath, mode: mode)
    }

    /// Signs `request` for the `Authorization` header.
    ///
    /// The result's `headersToAdd` are `Authorization`, `X-Amz-Date`, `x-amz-content-sha256` (S3 mode only,
    /// carrying the request's payload hash) and `X-Amz-Security-Token` (when the credentials have a session
    /// token). Headers of those names already in the request are replaced, not signed twice; every other header
    /// of the request is signed as given.
    ///
    /// - Parameter signingKey: a key from `signingKey(for:)`, reused when its day, region, service and secret
    ///   match; otherwise a new one is derived.
    public func sign(
        _ request: SigV4Request,
        date: Date,
        signingKey: SigV4SigningKey? = nil
    ) throws(SigV4Error) -> SigV4Signature {
        let timestamp = try SigV4Timestamp(date)
        var added = [SigV4Header(name: "X-Amz-Date", value: timestamp.amzDate)]
        var replaced: Set<String> = ["authorization", "x-amz-date"]
        if mode == .s3 {
            added.append(SigV4Header(name: "x-amz-content-sha256", value: request.payload.hash))
            replaced.insert("x-amz-content-sha256")
        }
        if let token = credentials.sessionToken {
            added.append(SigV4Header(name: "X-Amz-Security-Token", value: token))
            replaced.insert("x-amz-security-token")
        }
        let kept = request.headers.filter { !replaced.contains($0.name.lowercased()) }
        let canonicalHeaders = try SigV4Canonical.headers(kept + added)
        let canonicalRequest = SigV4Canonical.request(
            method: request.method,
            uri: canonicalURI(for: request.path),
            query: SigV4Canonical.query(request.queryItems),
            headers: canonicalHeaders,
            payloadHash: request.payload.hash
        )
        let key = self.signingKey(for: timestamp, reusing: signingKey)
        let stringToSign = SigV4Canonical.stringToSign(
            amzDate: timestamp.amzDate,
            credentialScope: key.credentialScope,
            canonicalRequest: canonicalRequest
        )
        let signature = key.signature(for: stringToSign)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(key.credentialScope), "
            + "SignedHeaders=\(canonicalHeaders.signedHeaders), Signature=\(signature)"
        let headersToAdd = [SigV4Header(name: "Authorization", value: authorization)] + added
        return SigV4Signature(
            headersToAdd: headersToAdd,
            requestHeaders: kept + headersToAdd,
            authorization: authorization,
            signature: signature,
            signedHeaders: canonicalHeaders.signedHeaders,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            amzDate: timestamp.amzDate,
            credentialScope: key.credentialScope
        )
    }

    func signingKey(for timestamp: SigV4Timestamp, reusing cached: SigV4SigningKey?) -> SigV4SigningKey {
        if let cached,
            cached.matches(
                secretAccessKey: credentials.secretAccessKey,
                dateStamp: timestamp.dateStamp,
                region: region,
                service: service
            )
        {
            return cached
        }
        return SigV4SigningKey(
            secretAccessKey: credentials.secretAccessKey,
            dateStamp: timestamp.dateStamp,
            region: region,
            service: service
        )
    }
}
