import Foundation

/// Where a video's objects live in the store, relative to its prefix:
/// `videos/<video-id>/video.json` (the manifest a platform reads, short cache lifetime) names the current
/// revision; everything a revision holds sits under `videos/<video-id>/<revision>/` and never changes, so it can be
/// cached forever; the archived original is `videos/<video-id>/original.<ext>` (same content, same id).
public enum VideoLayout {
    public static func folder(_ videoId: String) -> String { "videos/\(videoId)" }

    public static func manifestKey(_ videoId: String) -> String { folder(videoId) + "/video.json" }

    public static func revisionFolder(_ videoId: String, _ revision: String) -> String {
        folder(videoId) + "/" + revision
    }

    /// The key of an output file (`path` relative to the transcode's output folder).
    public static func key(_ videoId: String, _ revision: String, _ path: String) -> String {
        revisionFolder(videoId, revision) + "/" + path
    }

    /// `original.mov` for `/share/line-1/take 1.MOV`; `original` when the name has no extension.
    public static func originalName(sourcePath: String) -> String {
        let ext = (sourcePath as NSString).pathExtension.lowercased()
        let safe = ext.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && !ext.isEmpty && ext.count <= 8
        return safe ? "original.\(ext)" : "original"
    }

    public static func originalKey(_ videoId: String, sourcePath: String) -> String {
        folder(videoId) + "/" + originalName(sourcePath: sourcePath)
    }

    /// A new revision name: UTC time to the second plus 16 random bits, so names sort by age and two publications
    /// in the same second differ. `r20261130T081500Z-3fa2`.
    public static func newRevision(at date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "r" + formatter.string(from: date) + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    /// True for names `newRevision` makes (and nothing else under a video's folder is a revision).
    public static func isRevision(_ name: String) -> Bool {
        name.hasPrefix("r") && name.count == 22 && name.dropFirst(16).hasPrefix("Z-")
    }
}
