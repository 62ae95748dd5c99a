import Foundation

extension SigV4Signer {
    /// The longest lifetime SigV4 allows a presigned URL: 7 days.
    public static let maximumPresignedExpiry = 604_800

    /// Signs `request` in its query string (a presigned URL).
    ///
    /// Adds `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Security-Token` (with a session token, signed) and finally `X-Amz-Signature`. Parameters of those
    /// names already in the request are replaced (and, with a session token, an `X-Amz-Security-Token` header is
    /// dropped). The request's other headers are signed (at least `Host`); whoever
    /// uses the URL must send them unchanged. In S3 mode the payload is `UNSIGNED-PAYLOAD`; in generic mode the
    /// request's payload hash is used.
    ///
    /// - Parameter expiresIn: lifetime in seconds, 1...604800.
    public func presign(
        _ request: SigV4Request,
        date: Date,
        expiresIn: Int,
        signingKey: SigV4SigningKey? = nil
    ) throws(SigV4Error) -> SigV4PresignedURL {
        guard (1...Self.maximumPresignedExpiry).contains(expiresIn) else {
            throw .invalidExpiry(expiresIn)
        }
        let timestamp = try SigV4Timestamp(date)
        var droppedHeaders: Set<String> = ["authorization", "x-amz-date"]
        if credentials.sessionToken != nil {
            droppedHeaders.insert("x-amz-security-token")
        }
        let headers = request.headers.filter { !droppedHeaders.contains($0.name.lowercased()) }
        let canonicalHeaders = try SigV4Canonical.headers(headers)
        guard let host = request.host else {
            throw .missingHostHeader
        }
        let key = self.signingKey(for: timestamp, reusing: signingKey)

        var replaced: Set<String> = [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
            "X-Amz-Signature",
        ]
        var authItems = [
            SigV4QueryItem(name: "X-Amz-Algorithm", value: Self.algorithm),
            SigV4QueryItem(name: "X-Amz-Credential", value: "\(credentials.accessKeyID)/\(key.credentialScope)"),
            SigV4QueryItem(name: "X-Amz-Date", value: timestamp.amzDate),
            SigV4QueryItem(name: "X-Amz-Expires", value: String(expiresIn)),
        ]
        if let token = credentials.sessionToken {
            authItems.append(SigV4QueryItem(name: "X-Amz-Security-Token", value: token))
            replaced.insert("X-Amz-Security-Token")
        }
        authItems.append(SigV4QueryItem(name: "X-Amz-SignedHeaders", value: canonicalHeaders.signedHeaders))
        let queryItems = request.queryItems.filter { !replaced.contains($0.name) } + authItems

        let canonicalQuery = SigV4Canonical.query(queryItems)
        let canonicalRequest = SigV4Canonical.request(
            method: request.method,
            uri: canonicalURI(for: request.path),
            query: canonicalQuery,
            headers: canonicalHeaders,
            payloadHash: mode == .s3 ? SigV4Payload.unsigned.hash : request.payload.hash
        )
        let stringToSign = SigV4Canonical.stringToSign(
            amzDate: timestamp.amzDate,
            credentialScope: key.credentialScope,
            canonicalRequest: canonicalRequest
        )
        let signature = key.signature(for: stringToSign)
        return SigV4PresignedURL(
            host: host,
            encodedPath: request.encodedPath,
            queryItems: queryItems + [SigV4QueryItem(name: "X-Amz-Signature", value: signature)],
            encodedQuery: canonicalQuery + "&X-Amz-Signature=" + signature,
            signature: signature,
            signedHeaders: canonicalHeaders.signedHeaders,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            amzDate: timestamp.amzDate,
            credentialScope: key.credentialScope
        )
    }
}
