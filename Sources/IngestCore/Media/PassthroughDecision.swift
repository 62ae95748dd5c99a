/// Whether a transcode publishes the source's own H.264 as the top rung, and why (or why not). It appears in
/// `video.json`, in `reel-ingest probe` and in the worker's log, e.g. `{"used": false, "reason": "keyframes 12.0 s
/// apart (max 8.0 s)"}`.
public struct PassthroughDecision: Codable, Sendable, Equatable {
    public var used: Bool
    /// Why not, in the words of the first condition that failed; when used, what made the source compliant.
    public var reason: String
    /// The rendition made of the source's packets (`v1080`), when used.
    public var rendition: String?

    public init(used: Bool, reason: String, rendition: String? = nil) {
        self.used = used
        self.reason = reason
        self.rendition = rendition
    }

    public static func refused(_ reason: String) -> PassthroughDecision {
        PassthroughDecision(used: false, reason: reason)
    }

    /// One line for logs: `passthrough: no (keyframes 12.0 s apart (max 8.0 s))`.
    public var summary: String {
        used ? "passthrough: yes, \(rendition ?? "top rung") is the source (\(reason))" : "passthrough: no (\(reason))"
    }
}
