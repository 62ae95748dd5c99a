import Foundation
import IngestCore
import IngestPublish

/// Which CDN requests a publication makes, from the configuration and what was published: purge what viewers may
/// hold (the video's manifest, and the previous revision's objects, which are about to go), then pre-warm what a
/// player asks for first. Pure, so it is tested without a network.
struct CDNPlan: Sendable {
    let settings: CDNSettings

    /// `base_url` is the public URL of the store's prefix, so an object's URL is `base_url/<key>` with the key
    /// relative to that prefix (`videos/<id>/...`).
    func url(_ key: String) -> String? {
        guard let base = settings.baseURL else { return nil }
        return base + "/" + Self.encodePath(key)
    }

    /// The path part of `base_url` (for BAN prefixes and CloudFront paths), without a trailing `/`.
    var basePath: String {
        guard let base = settings.baseURL, let url = URL(string: base) else { return "" }
        let path = url.path
        return path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// Purges for publishing `videoId`; `previousKeys` are the objects of the revision being replaced.
    func purges(videoId: String, revision: String, previousKeys: [String]) -> [CDNAction] {
        let folder = VideoLayout.folder(videoId)
        switch settings.kind {
        case "http-purge":
            if settings.purgeMethod == "ban" {
                let target = settings.purgeURL ?? settings.baseURL ?? ""
                return [.ban(url: target, prefix: basePath + "/" + Self.encodePath(folder) + "/")]
            }
            let keys = [VideoLayout.manifestKey(videoId)] + previousKeys
            return keys.compactMap { key in purgeURL(key).map { CDNAction.purge(url: $0) } }
        case "cloudfront":
            guard let distribution = settings.distributionId else { return [] }
            return [
                .invalidate(
                    distributionId: distribution,
                    paths: [basePath + "/" + Self.encodePath(folder) + "/*"],
                    callerReference: "reel-ingest-\(videoId)-\(revision)"
                )
            ]
        default:
            return []
        }
    }

    /// PURGE goes to `purge_url` when set (a cache's admin listener), with the object's path.
    private func purgeURL(_ key: String) -> String? {
        guard let purgeBase = settings.purgeURL else { return url(key) }
        return purgeBase + basePath + "/" + Self.encodePath(key)
    }

    /// What a player fetches first: the manifest, master playlist, MPD, media playlists, init segments, the first
    /// `prewarm_segments` segments of every rendition, then the poster.
    func prewarms(videoId: String, video: PublishedVideo) -> [CDNAction] {
        guard settings.prewarm, settings.kind != "none" else { return [] }
        let folder = VideoLayout.folder(videoId)
        var keys = [VideoLayout.manifestKey(videoId)]
        keys.append(folder + "/" + video.media.hlsMaster.path)
        keys.append(folder + "/" + video.media.dashManifest.path)
        for rendition in video.media.renditions {
            keys.append(folder + "/" + rendition.playlist)
            let inits = rendition.files.filter { ObjectKind(key: $0.path) == .segment && $0.path.hasSuffix(".mp4") }
            let segments = rendition.files.filter { $0.path.hasSuffix(".m4s") }.prefix(settings.prewarmSegments)
            keys += (inits + segments).map { folder + "/" + $0.path }
        }
        if let poster = video.media.thumbnails.first(where: { $0.label == "poster" }) {
            keys.append(folder + "/" + poster.file.path)
        }
        return keys.compactMap { url($0).map { CDNAction.prewarm(url: $0) } }
    }

    /// Percent-encodes each path segment (spaces and the like), keeping `/`.
    static func encodePath(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#;")
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }
            .joined(separator: "/")
    }
}
