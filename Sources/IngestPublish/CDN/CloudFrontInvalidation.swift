import Foundation
import IngestCore

/// A CloudFront `CreateInvalidation` request (API version 2020-05-31), signed with SigV4 for service
/// `cloudfront` in `us-east-1`, where CloudFront's API lives whatever the distribution's edge locations.
struct CloudFrontInvalidation {
    let endpoint: String
    let distributionId: String
    let paths: [String]
    let callerReference: String

    struct Signed {
        var url: String
        var headers: [String]
        var body: [UInt8]
    }

    var body: String {
        let items = paths.map { "<Path>\(S3XML.escape($0))</Path>" }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">\
            <Paths><Quantity>\(paths.count)</Quantity><Items>\(items)</Items></Paths>\
            <CallerReference>\(S3XML.escape(callerReference))</CallerReference></InvalidationBatch>
            """
    }

    /// Why a request could not even be built; retrying cannot help.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    func signedRequest(credentials: SigV4Credentials?, date: Date = Date()) throws(Invalid) -> Signed {
        guard let credentials else {
            throw Invalid(
                description: "CloudFront needs AWS credentials (AWS_ACCESS_KEY_ID or storage.credentials_file)"
            )
        }
        guard let base = URL(string: endpoint), let host = base.host else {
            throw Invalid(description: "cdn.cloudfront_endpoint is not a URL: \(endpoint)")
        }
        let hostHeader = base.port.map { "\(host):\($0)" } ?? host
        let path = "/2020-05-31/distribution/\(distributionId)/invalidation"
        let bytes = Array(body.utf8)
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "cloudfront", mode: .generic)
        let request = SigV4Request(
            method: "POST",
            path: path,
            headers: [
                SigV4Header(name: "Host", value: hostHeader),
                SigV4Header(name: "Content-Type", value: "application/xml"),
            ],
            payload: .sha256(of: bytes)
        )
        do {
            let signature = try signer.sign(request, date: date)
            let scheme = base.scheme ?? "https"
            return Signed(
                url: "\(scheme)://\(hostHeader)\(path)",
                headers: signature.requestHeaders.map { "\($0.name): \($0.value)" },
                body: bytes
            )
        } catch {
            throw Invalid(description: "cannot sign the invalidation: \(error)")
        }
    }
}
