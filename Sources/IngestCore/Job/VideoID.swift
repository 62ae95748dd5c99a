/// A video's id, derived from its content so that every agent that sees the same recording (renamed, copied to
/// another share, ingested on another line's server) names it and its keys the same way.
public enum VideoID {
    /// Hex characters of the SHA-256 kept: 96 bits, far beyond any factory's number of recordings.
    public static let length = 24

    /// The id of content whose SHA-256 is `sha256` (hex).
    public static func from(sha256: String) -> String {
        String(sha256.lowercased().prefix(length))
    }

    /// True for ids this agent hands out (content-derived), not the placeholder a job carries before its hash.
    public static func isContentDerived(_ id: String) -> Bool {
        id.count == length && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
