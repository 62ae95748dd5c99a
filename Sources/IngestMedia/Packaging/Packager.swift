import Foundation
import IngestCore

/// Writes what is built from the encoded tracks: HLS playlists, the DASH MPD, the progressive MP4, video.json.
struct Packager {
    let directory: String
    let plan: LadderPlan
    let videoTracks: [TrackIndex]
    let audioTrack: TrackIndex?
    let audioSettings: AudioSettings
    /// Told each file's path (relative to `directory`) once it is complete.
    var announce: @Sendable (String) -> Void = { _ in }

    static let masterPlaylist = "master.m3u8"
    static let dashManifest = "manifest.mpd"
    static let progressiveMP4 = "video.mp4"
    static let videoJSON = "video.json"

    private var sized: [(track: TrackIndex, width: Int, height: Int)] {
        zip(videoTracks, plan.rungs).map { ($0, $1.width, $1.height) }
    }

    var duration: Double { videoTracks.first?.totalDuration ?? 0 }

    func writeManifests() throws {
        for track in videoTracks + (audioTrack.map { [$0] } ?? []) {
            try write(HLSPlaylist.media(track), to: HLSPlaylist.playlistPath(track))
        }
        try write(
            HLSPlaylist.master(
                video: sized,
                audio: audioTrack,
                audioChannels: audioSettings.channels,
                frameRate: plan.fps
            ),
            to: Packager.masterPlaylist
        )
        let mpd = DASHManifest.render(
            video: sized,
            audio: audioTrack,
            audioSettings: audioSettings,
            frameRate: plan.frameRate,
            duration: duration,
            segmentSeconds: plan.segmentSeconds
        )
        try write(mpd, to: Packager.dashManifest)
    }

    /// Remuxes the configured rung and the audio into `video.mp4`.
    func writeProgressiveMP4() throws -> VideoManifest.Progressive {
        let rung = plan.rungs[plan.mp4Rung]
        let track = videoTracks[plan.mp4Rung]
        func files(_ track: TrackIndex) -> [String] {
            ([track.initFile] + track.segments.map(\.file)).map { directory + "/" + $0 }
        }
        try ProgressiveMP4.remux(
            video: files(track),
            audio: audioTrack.map(files),
            startOffset: Double(track.presentationOffset) / Double(track.timescale),
            to: directory + "/" + Packager.progressiveMP4
        )
        announce(Packager.progressiveMP4)
        return VideoManifest.Progressive(
            rendition: rung.id,
            width: rung.width,
            height: rung.height,
            file: try FileDigest.describe(Packager.progressiveMP4, in: directory)
        )
    }

    func videoManifest(
        source: ProbeReport,
        mp4: VideoManifest.Progressive,
        thumbnails: [ThumbnailTaker.Written],
        passthrough: PassthroughDecision
    ) throws -> VideoManifest {
        var renditions: [VideoManifest.Rendition] = []
        for (track, rung) in zip(videoTracks, plan.rungs) {
            var rendition = try describe(track, type: "video", target: rung.settings.videoBitrate)
            rendition.width = rung.width
            rendition.height = rung.height
            rendition.frameRate = plan.fps
            if rung.passthrough { rendition.passthrough = true }
            renditions.append(rendition)
        }
        if let audioTrack {
            var rendition = try describe(audioTrack, type: "audio", target: audioSettings.bitrate)
            rendition.sampleRate = audioSettings.sampleRate
            rendition.channels = audioSettings.channels
            renditions.append(rendition)
        }
        var manifest = VideoManifest(
            source: source,
            duration: duration,
            segmentDuration: plan.segmentSeconds,
            hlsMaster: try FileDigest.describe(Packager.masterPlaylist, in: directory),
            dashManifest: try FileDigest.describe(Packager.dashManifest, in: directory),
            renditions: renditions,
            mp4: mp4,
            thumbnails: thumbnails.map {
                VideoManifest.Thumbnail(
                    label: $0.label,
                    time: $0.time,
                    width: $0.width,
                    height: $0.height,
                    file: VideoManifest.File(path: $0.path, bytes: $0.bytes, sha256: $0.sha256)
                )
            }
        )
        manifest.passthrough = passthrough
        // video.json last: its presence means everything it names is complete.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: directory + "/" + Packager.videoJSON))
        announce(Packager.videoJSON)
        return manifest
    }

    /// A track's files: sizes and digests of the segments as they were written (no second read), the playlist's
    /// read back.
    private func describe(_ track: TrackIndex, type: String, target: Int) throws -> VideoManifest.Rendition {
        let written =
            [VideoManifest.File(path: track.initFile, bytes: track.initBytes, sha256: track.initSHA256)]
            + track.segments.map { VideoManifest.File(path: $0.file, bytes: $0.bytes, sha256: $0.sha256) }
        return VideoManifest.Rendition(
            id: track.id,
            type: type,
            codecs: track.codecs,
            targetBitrate: target,
            peakBitrate: track.peakBandwidth,
            averageBitrate: track.averageBandwidth,
            duration: track.totalDuration,
            playlist: HLSPlaylist.playlistPath(track),
            files: written + [try FileDigest.describe(HLSPlaylist.playlistPath(track), in: directory)]
        )
    }

    private func write(_ text: String, to relativePath: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + relativePath))
        announce(relativePath)
    }
}
