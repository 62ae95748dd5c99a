/// One request to a CDN. Plain data, so the pipeline can record and retry it.
public enum CDNAction: Sendable, Equatable {
    /// HTTP `PURGE` of one URL (Varnish, Fastly and most HTTP caches with a purge ACL).
    case purge(url: String)
    /// HTTP `BAN` of every cached URL under `prefix` (a path), sent to `url` with an `X-Ban-Prefix` header.
    case ban(url: String, prefix: String)
    /// CloudFront `CreateInvalidation` of `paths` (`/videos/<id>/*`); the same caller reference never creates a
    /// second invalidation.
    case invalidate(distributionId: String, paths: [String], callerReference: String)
    /// `GET` through the CDN so the next viewer is served from its cache.
    case prewarm(url: String)

    /// purge, ban, invalidate or prewarm: the `video_cdn_cache.action` value.
    public var name: String {
        switch self {
        case .purge: "purge"
        case .ban: "ban"
        case .invalidate: "invalidate"
        case .prewarm: "prewarm"
        }
    }

    /// What the action is about, as recorded: the URL, or the distribution and paths.
    public var target: String {
        switch self {
        case .purge(let url), .prewarm(let url): url
        case .ban(let url, let prefix): "\(url) \(prefix)"
        case .invalidate(let id, let paths, _): "cloudfront:\(id) \(paths.joined(separator: ","))"
        }
    }
}

/// How a CDN answered.
public struct CDNOutcome: Sendable, Equatable {
    public var action: CDNAction
    /// The last HTTP status, nil when no answer came.
    public var status: Int?
    /// The cache status the CDN reported (`X-Cache`, `CF-Cache-Status`, `X-Cache-Status`), e.g. HIT or MISS.
    public var cacheStatus: String?
    /// Tries made, the first included.
    public var attempts: Int
    /// nil when it succeeded.
    public var error: String?

    public var succeeded: Bool { error == nil }
}
