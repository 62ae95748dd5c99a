/// What an object of a publish set is, judged from its key. Decides upload order, `Content-Type` and
/// `Cache-Control`.
public enum ObjectKind: Int, Sendable, Comparable, CaseIterable {
    /// CMAF/TS media segments and init segments: referenced by playlists, so they go first.
    case segment = 0
    /// Thumbnails and the progressive MP4: referenced only by `video.json`.
    case asset = 1
    /// HLS media playlists: name segments.
    case mediaPlaylist = 2
    /// HLS master playlist and DASH MPD: name media playlists (or segments).
    case masterManifest = 3
    /// `video.json`: names everything, so it is written last.
    case videoManifest = 4

    public static func < (lhs: ObjectKind, rhs: ObjectKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Classifies by the last path component.
    public init(key: String) {
        let name = (key.split(separator: "/").last.map(String.init) ?? key).lowercased()
        let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last ?? "") : ""
        switch ext {
        case "m4s", "ts", "cmfv", "cmfa", "m4a", "m4v", "aac":
            self = .segment
        case "mp4":
            // Init segments are named init*.mp4 (or *_init.mp4) by the packager; anything else is the progressive MP4.
            self = name.hasPrefix("init") || name.hasSuffix("init.mp4") ? .segment : .asset
        case "m3u8":
            self = ["master.m3u8", "main.m3u8", "index.m3u8"].contains(name) ? .masterManifest : .mediaPlaylist
        case "mpd":
            self = .masterManifest
        case "json":
            self = name == "video.json" ? .videoManifest : .asset
        default:
            self = .asset
        }
    }

    /// `Cache-Control`: segments and thumbnails never change under their name; manifests may be rewritten.
    public var cacheControl: String {
        switch self {
        case .segment, .asset: "public, max-age=31536000, immutable"
        case .mediaPlaylist, .masterManifest, .videoManifest: "public, max-age=60"
        }
    }
}

/// `Content-Type` by file extension; unknown types are `application/octet-stream`.
public enum ContentType {
    public static func forKey(_ key: String) -> String {
        let name = (key.split(separator: "/").last.map(String.init) ?? key).lowercased()
        guard let dot = name.lastIndex(of: ".") else { return "application/octet-stream" }
        switch name[name.index(after: dot)...] {
        case "m3u8": return "application/vnd.apple.mpegurl"
        case "mpd": return "application/dash+xml"
        case "m4s", "cmfv": return "video/iso.segment"
        case "cmfa", "m4a", "aac": return "audio/mp4"
        case "ts": return "video/mp2t"
        case "mp4", "m4v": return "video/mp4"
        case "mov": return "video/quicktime"
        case "mkv": return "video/x-matroska"
        case "webm": return "video/webm"
        case "jpg", "jpeg": return "image/jpeg"
        case "png": return "image/png"
        case "webp": return "image/webp"
        case "vtt": return "text/vtt"
        case "json": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
