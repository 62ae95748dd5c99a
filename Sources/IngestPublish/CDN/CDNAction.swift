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

    /// What the action is about, as recorded (`video_cdn_cache.url`): the URL; for a BAN the URL and the prefix;
    /// for an invalidation the distribution, the paths and the caller reference. `init(name:target:)` reads it back.
    public var target: String {
        switch self {
        case .purge(let url), .prewarm(let url): url
        case .ban(let url, let prefix): "\(url) \(prefix)"
        case .invalidate(let id, let paths, let reference):
            "cloudfront:\(id) \(paths.joined(separator: ",")) \(reference)"
        }
    }

    /// The action recorded as `name` and `target`, to try it again; nil for a record it cannot have written.
    public init?(name: String, target: String) {
        let parts = target.split(separator: " ").map(String.init)
        switch (name, parts.count) {
        case ("purge", 1): self = .purge(url: target)
        case ("prewarm", 1): self = .prewarm(url: target)
        case ("ban", 2): self = .ban(url: parts[0], prefix: parts[1])
        case ("invalidate", 3) where parts[0].hasPrefix("cloudfront:"):
            self = .invalidate(
                distributionId: String(parts[0].dropFirst("cloudfront:".count)),
                paths: parts[1].split(separator: ",").map(String.init),
                callerReference: parts[2]
            )
        default: return nil
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
