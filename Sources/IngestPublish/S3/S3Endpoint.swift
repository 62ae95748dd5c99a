import Foundation
import IngestCore

/// Where requests for one bucket go, in path-style (`host/bucket/key`) or virtual-host (`bucket.host/key`)
/// addressing.
public struct S3Endpoint: Sendable, Equatable {
    public let scheme: String
    /// The server's host, without the bucket.
    public let host: String
    public let port: Int?
    public let bucket: String
    public let pathStyle: Bool

    /// `endpoint` nil means AWS: `https://s3.<region>.amazonaws.com`.
    public init(endpoint: String?, region: String, bucket: String, pathStyle: Bool) throws(S3Error) {
        let text = endpoint ?? "https://s3.\(region).amazonaws.com"
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host,
            ["http", "https"].contains(scheme), !host.isEmpty
        else {
            throw .invalidEndpoint("\(text) is not an http:// or https:// URL with a host")
        }
        guard !bucket.isEmpty else { throw .invalidEndpoint("empty bucket name") }
        self.scheme = scheme
        self.host = host
        self.port = url.port
        self.bucket = bucket
        self.pathStyle = pathStyle
    }

    /// The `Host` header (with a non-default port): signed, so it must be what curl sends.
    public var hostHeader: String {
        let name = pathStyle ? host : "\(bucket).\(host)"
        guard let port, port != (scheme == "https" ? 443 : 80) else { return name }
        return "\(name):\(port)"
    }

    /// The raw (unencoded) request path for an object, or for the bucket itself when `key` is nil.
    public func path(forKey key: String?) -> String {
        switch (pathStyle, key) {
        case (true, let key?): "/\(bucket)/\(key)"
        case (true, nil): "/\(bucket)"
        case (false, let key?): "/\(key)"
        case (false, nil): "/"
        }
    }

    /// The full URL to send: the path URI-encoded once (as the signer canonicalises it) and the query encoded the
    /// same way. A parameter without value (`uploads`) goes on the wire without `=`.
    public func url(rawPath: String, query: [SigV4QueryItem]) -> String {
        var url = "\(scheme)://\(hostHeader)\(URIEncoding.encodePath(rawPath))"
        if !query.isEmpty {
            url += "?"
            url += query.map { item in
                item.value.isEmpty
                    ? URIEncoding.encode(item.name)
                    : URIEncoding.encode(item.name) + "=" + URIEncoding.encode(item.value)
            }.joined(separator: "&")
        }
        return url
    }
}
