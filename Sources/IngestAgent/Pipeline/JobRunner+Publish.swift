import Foundation
import IngestCore
import IngestPublish
import IngestStore
import Metrics

extension JobRunner {
    /// transcoding → uploading: the rest of the segments (most are already up), then media playlists, then the
    /// master playlist and MPD, each batch only once every object it names is stored: the video is playable from
    /// there. Then the MP4 and thumbnails (only `video.json` names them), the archived original if asked, and
    /// `video.json` last. Records what was published where.
    func publish(_ probed: ProbedSource, output: TranscodeOutput) async throws -> PublishedVideo {
        try checkStopped()
        try await transition(.uploadStarted)
        let started = Date()
        let manifest = output.manifest
        let folder = output.folder
        let (videoId, revision) = (probed.videoId, probed.revision)
        func entry(_ path: String) -> (key: String, file: String) {
            (VideoLayout.key(videoId, revision, path), folder + "/" + path)
        }
        let batches = PublishOrder.batches(manifest.allFiles.map(\.path))
        let total = manifest.allFiles.count + 1 + (config.storage.archiveOriginal ? 1 : 0)
        var done = 0
        func stored(_ batch: [String]) async throws {
            try checkStopped()
            done += try await output.uploads.upload(batch.map(entry)).count
            try? await database.setProgress(
                job: id,
                percent: Double(done) / Double(total) * 100,
                etaSeconds: nil,
                claim: claim
            )
        }
        // What a player needs first, then the MP4 and thumbnails (most thumbnails are up already).
        let isAsset = { (batch: [String]) in batch.first.map { ObjectKind(key: $0) == .asset } ?? false }
        for batch in batches where !isAsset(batch) { try await stored(batch) }
        logger.info(
            "playable",
            metadata: [
                "hls": "\(context.store.fullKey(VideoLayout.key(videoId, revision, manifest.hlsMaster.path)))",
                "seconds": "\(Int(Date().timeIntervalSince(started).rounded()))",
            ]
        )
        for batch in batches where isAsset(batch) { try await stored(batch) }
        var original: VideoManifest.File?
        if config.storage.archiveOriginal {
            let name = VideoLayout.originalName(sourcePath: sourcePath)
            let stored = try await output.uploads.upload([
                (VideoLayout.originalKey(videoId, sourcePath: sourcePath), sourcePath)
            ])
            original = VideoManifest.File(
                path: name,
                bytes: stored.first?.size ?? probed.sourceSize,
                sha256: probed.sha256
            )
        }
        try checkStopped()
        // The original is uploaded from the source itself: the last moment it can have changed under us.
        try await checkSourceUnchanged(since: "the transcode started")
        let plan = cdnPlan
        let video = PublishedVideo(
            videoId: videoId,
            revision: revision,
            publishedAt: Date(),
            metadata: PublishedVideo.metadata(fromJSON: job.metadata),
            sourceFile: PublishedVideo.SourceFile(
                name: (sourcePath as NSString).lastPathComponent.readablePath,
                bytes: probed.sourceSize,
                sha256: probed.sha256
            ),
            media: manifest.relocated(under: revision),
            original: original,
            baseURL: config.cdn.baseURL.map { _ in plan.url(VideoLayout.folder(videoId)) ?? "" }
        )
        let manifestFile = context.scratch.folder(job: id) + "/published-video.json"
        let manifestBytes = try video.encoded()
        try manifestBytes.write(to: URL(fileURLWithPath: manifestFile))
        KillPoint.beforeVideoJSON.reached()
        if try await context.manifests.commit(video, bytes: manifestBytes, logger: logger) == nil {
            _ = try await output.uploads.upload([(VideoLayout.manifestKey(videoId), manifestFile)])
        }
        KillPoint.afterVideoJSON.reached()
        let stored = output.uploads.finished.values
        let sent = stored.filter { !$0.skipped }
        let seconds = Date().timeIntervalSince(started)
        Timer(label: "reel_ingest_stage_seconds", dimensions: [("stage", "uploading"), ("format", "all")])
            .recordSeconds(seconds)
        await measure("stage_seconds", seconds, format: "uploading")
        await measure("objects_sent", Double(sent.count))
        await measure("objects_skipped", Double(stored.count - sent.count))
        await measure("bytes_sent", Double(sent.reduce(0) { $0 + $1.size }))
        // Per format: seconds spent storing it and bytes sent (what a slow rendition or a big MP4 costs).
        let byFormat = Dictionary(grouping: sent) { Self.format(ofKey: $0.key, revision: revision) }
        for (format, objects) in byFormat.sorted(by: { $0.key < $1.key }) {
            await measure("upload_seconds", objects.reduce(0) { $0 + $1.seconds }, format: format)
            await measure("bytes_sent", Double(objects.reduce(0) { $0 + $1.size }), format: format)
        }
        try await database.recordPublication(
            job: id,
            revision: revision,
            formats: formatRecords(video, plan: plan),
            thumbnails: thumbnailRecords(video, plan: plan)
        )
        logger.info(
            "uploaded",
            metadata: [
                "objects": "\(stored.count)", "sent": "\(sent.count)", "revision": "\(revision)",
                "manifest": "\(context.store.fullKey(VideoLayout.manifestKey(videoId)))",
            ]
        )
        return video
    }

    var cdnPlan: CDNPlan { CDNPlan(settings: config.cdn) }

    /// The format an object belongs to: its rendition (`v720`, `audio`), `mp4`, `thumbnails`, `manifests`,
    /// `original` or `video.json`.
    static func format(ofKey key: String, revision: String) -> String {
        let parts = key.split(separator: "/").map(String.init)
        guard let at = parts.firstIndex(of: revision), at + 1 < parts.count else {
            return key.hasSuffix("video.json") ? "video.json" : "original"
        }
        let rest = parts[(at + 1)...]
        if rest.count > 1 { return rest.first == "thumbnails" ? "thumbnails" : rest.first ?? "other" }
        switch rest.first ?? "" {
        case "video.mp4": return "mp4"
        case "poster.jpg": return "thumbnails"
        default: return "manifests"
        }
    }

    /// One row per thing a player can use: the HLS master, the MPD, each rendition, the MP4, the original.
    private func formatRecords(_ video: PublishedVideo, plan: CDNPlan) -> [FormatRecord] {
        let folder = VideoLayout.folder(video.videoId)
        let now = Date()
        func record(_ kind: String, _ file: VideoManifest.File) -> FormatRecord {
            var row = FormatRecord(
                jobId: id,
                kind: kind,
                objectKey: context.store.fullKey(folder + "/" + file.path),
                revision: video.revision,
                at: now
            )
            row.bytes = file.bytes
            row.sha256 = file.sha256
            row.url = plan.url(folder + "/" + file.path)
            row.duration = video.media.duration
            return row
        }
        var rows = [record("hls", video.media.hlsMaster), record("dash", video.media.dashManifest)]
        for rendition in video.media.renditions {
            var row = record(
                "rendition",
                VideoManifest.File(
                    path: rendition.playlist,
                    bytes: rendition.files.reduce(0) { $0 + $1.bytes },
                    sha256: rendition.files.first { $0.path == rendition.playlist }?.sha256 ?? ""
                )
            )
            row.rendition = rendition.id
            row.renditionHeight = rendition.height
            row.width = rendition.width
            row.height = rendition.height
            row.codecs = rendition.codecs
            row.bandwidth = rendition.peakBitrate
            row.averageBandwidth = rendition.averageBitrate
            row.frameRate = rendition.frameRate
            row.duration = rendition.duration
            rows.append(row)
        }
        var mp4 = record("mp4", video.media.mp4.file)
        mp4.rendition = video.media.mp4.rendition
        mp4.width = video.media.mp4.width
        mp4.height = video.media.mp4.height
        rows.append(mp4)
        if let original = video.original { rows.append(record("original", original)) }
        return rows
    }

    private func thumbnailRecords(_ video: PublishedVideo, plan: CDNPlan) -> [ThumbnailRecord] {
        let folder = VideoLayout.folder(video.videoId)
        return video.media.thumbnails.map { thumbnail in
            var row = ThumbnailRecord(
                jobId: id,
                position: thumbnail.label,
                atSeconds: thumbnail.time,
                width: thumbnail.width,
                height: thumbnail.height,
                objectKey: context.store.fullKey(folder + "/" + thumbnail.file.path),
                revision: video.revision,
                at: Date()
            )
            row.bytes = thumbnail.file.bytes
            row.sha256 = thumbnail.file.sha256
            row.url = plan.url(folder + "/" + thumbnail.file.path)
            return row
        }
    }
}
