import Foundation
import IngestCore
import TestSupport
import Testing

/// A 1080p ladder whose top rung can be the source, two small encoded rungs, 3 s segments (so a 2 s GOP gives
/// variable cuts), and the MP4 made of the top rung.
private let passthroughConfig = """
    [profiles.pt]
    segment_duration = "3s"
    mp4_height = 1080
    [[profiles.pt.renditions]]
    height = 1080
    video_bitrate = "5000k"
    [[profiles.pt.renditions]]
    height = 240
    video_bitrate = "400k"
    level = "3.0"
    [[profiles.pt.renditions]]
    height = 144
    video_bitrate = "200k"
    level = "3.0"
    [profiles.pt.thumbnails]
    percentages = [50]
    widths = [160]
    """

private func manifest(_ out: String) throws -> VideoManifest {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(VideoManifest.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/video.json")))
}

/// When each segment of a rung starts (the first frame's time by ffprobe and by the boxes themselves), and
/// whether that frame is an IDR and the only keyframe of the segment.
private struct SegmentStart {
    var ffprobe: Double
    var boxes: Double
    var startsWithIDR: Bool
    var keyframes: Int
}

private func segmentStarts(out: String, rung: String) async throws -> [SegmentStart] {
    let names = try FileManager.default.contentsOfDirectory(atPath: out + "/" + rung).filter { $0.hasSuffix(".m4s") }
    var starts: [SegmentStart] = []
    for name in names.sorted() {
        let joined = out + "/\(rung)-\(name).mp4"
        var data = try Data(contentsOf: URL(fileURLWithPath: out + "/\(rung)/init.mp4"))
        data.append(try Data(contentsOf: URL(fileURLWithPath: out + "/\(rung)/\(name)")))
        try data.write(to: URL(fileURLWithPath: joined))
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let json = try await ffprobe(["-show_frames", "-show_entries", "frame=pts_time,key_frame,pict_type", joined])
        let frames = json["frames"] as? [[String: Any]] ?? []
        let first = try #require(frames.first)
        let composition = try #require(try FragmentTimes.firstComposition(out + "/\(rung)/\(name)"))
        starts.append(
            SegmentStart(
                ffprobe: Double(first["pts_time"] as? String ?? "") ?? -1,
                boxes: Double(composition) / 12_800,
                startsWithIDR: first["key_frame"] as? Int == 1 && first["pict_type"] as? String == "I",
                keyframes: frames.filter { $0["key_frame"] as? Int == 1 }.count
            )
        )
    }
    return starts
}

@Suite("passthrough")
struct PassthroughTests {
    /// A compliant 1080p H.264 source with a 2 s GOP is published as is: its packets byte for byte as the top rung
    /// and the MP4, the encoded rungs with IDRs at exactly the cut times, variable segment durations in both
    /// manifests, a valid MPD, both manifests read by ffprobe at the source's duration.
    @Test func compliantSourceBecomesTheTopRung() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = dir.path + "/source.mp4"
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=9",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=9",
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3M", "-maxrate", "3M", "-bufsize", "3M",
            "-x264-params", "keyint=50:min-keyint=50:scenecut=0", "-pix_fmt", "yuv420p", "-c:a", "aac", source,
        ])
        let config = try dir.write("agent.toml", passthroughConfig)
        let out = dir.path + "/out"
        let run = try await Tool.watch([
            "transcode", source, "--out", out, "--profile", "pt", "--progress", "json", "--config", config,
        ])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        let log = try #require(run.logs.first)
        #expect(log.hasPrefix("passthrough: yes, v1080 is the source"), "\(log)")

        let video = try manifest(out)
        let decision = try #require(video.passthrough)
        #expect(decision.used && decision.rendition == "v1080", "\(decision)")
        #expect(video.renditions.map(\.id) == ["v1080", "v240", "v144", "audio"])
        #expect(video.renditions.first?.passthrough == true)
        #expect(video.renditions.dropFirst().allSatisfy { $0.passthrough == nil })

        // The source's own packets: the top rung and the MP4 carry exactly the source's video payloads.
        let sourceHashes = try await videoPacketHashes(source)
        #expect(sourceHashes.count == 225)
        #expect(try await videoPacketHashes(out + "/v1080/index.m3u8") == sourceHashes)
        #expect(video.mp4.rendition == "v1080")
        #expect(try await videoPacketHashes(out + "/video.mp4") == sourceHashes)

        // Cuts at the source IDRs nearest each multiple of 3 s: 0, 2 (tie with 4: the earlier), 6 s; the end (9 s)
        // is nearer to 9 s than the IDR at 8 s.
        let expected = [2.0, 4, 3]
        for rung in ["v1080", "v240", "v144"] {
            #expect(try playlistDurations(out + "/\(rung)/index.m3u8") == expected, "\(rung)")
            let playlist = try String(contentsOfFile: out + "/\(rung)/index.m3u8", encoding: .utf8)
            #expect(playlist.contains("#EXT-X-TARGETDURATION:4\n"), "\(rung)")
        }
        let timelines = try dashTimelines(out + "/manifest.mpd")
        for rung in ["v1080", "v240", "v144"] {
            let timeline = try #require(timelines[rung])
            #expect(timeline.map { Double($0.1) / 12_800 } == expected, "\(rung): \(timeline)")
            #expect(timeline.map(\.0) == timelines["v1080"]?.map(\.0), "\(rung) starts with the top rung")
        }

        // IDRs at exactly the same times in every rung, by ffprobe and by the boxes (the two agree: no composition
        // offsets that one reader shifts and the other does not).
        var startsByRung: [[Double]] = []
        for rung in ["v1080", "v240", "v144"] {
            let starts = try await segmentStarts(out: out, rung: rung)
            #expect(starts.count == 3)
            for (index, start) in starts.enumerated() {
                #expect(start.startsWithIDR, "\(rung) segment \(index + 1)")
                #expect(abs(start.ffprobe - start.boxes) < 0.001, "\(rung) segment \(index + 1): \(start)")
                // The encoded rungs have no keyframe between cuts; the source keeps its inner IDRs.
                if rung != "v1080" { #expect(start.keyframes == 1, "\(rung) segment \(index + 1)") }
            }
            startsByRung.append(starts.map(\.boxes))
        }
        #expect(Set(startsByRung.map { $0.map { String(format: "%.3f", $0) } }).count == 1, "\(startsByRung)")
        let first = startsByRung[0][0]
        #expect(zip(startsByRung[0], [0.0, 2, 6]).allSatisfy { abs($0 - first - $1) < 0.001 }, "\(startsByRung[0])")

        // The MPD is valid; ffprobe reads both manifests at the source's duration.
        let schema = Conformance.path("dash-schema/DASH-MPD.xsd")
        let lint = try await Tool.run("/usr/bin/xmllint", ["--noout", "--schema", schema, out + "/manifest.mpd"])
        #expect(lint.status == 0, "\(lint.stderr)")
        for path in ["master.m3u8", "manifest.mpd"] {
            let json = try await ffprobe(["-count_packets", "-show_streams", "-show_format", out + "/" + path])
            let streams = json["streams"] as? [[String: Any]] ?? []
            let tops = streams.filter { $0["codec_type"] as? String == "video" && $0["height"] as? Int == 1080 }
            let top = try #require(tops.first, "\(path)")
            #expect(top["nb_read_packets"] as? String == "225", "\(path)")
            if path == "master.m3u8" {
                let duration = Double((json["format"] as? [String: Any])?["duration"] as? String ?? "") ?? 0
                #expect(abs(duration - 9) <= 0.04 + 0.03, "\(path): \(duration)")
            }
        }
        // CODECS from the source's SPS, BANDWIDTH measured.
        let master = try String(contentsOfFile: out + "/master.m3u8", encoding: .utf8)
        let sps = try #require(video.renditions.first?.codecs)
        #expect(sps.hasPrefix("avc1.64"), "High profile source: \(sps)")
        #expect(master.contains("CODECS=\"\(sps),mp4a.40.2\""))
    }

    /// What must not pass through is encoded, each with its reason in video.json and in `probe`; a compliant clip
    /// of the same kind passes (so each refusal is the property's doing, not the setup's).
    @Test(arguments: RefusalCase.allCases)
    func refusedSourcesAreEncoded(_ refusal: RefusalCase) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = try await refusal.make(in: dir.path)
        let config = try dir.write("agent.toml", RefusalCase.config)
        let out = dir.path + "/out"
        let run = try await Tool.watch([
            "transcode", source, "--out", out, "--profile", refusal.profile, "--progress", "json", "--config", config,
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let decision = try #require(try manifest(out).passthrough)
        let top = try #require(try manifest(out).renditions.first)
        if let reason = refusal.reason {
            #expect(!decision.used)
            #expect(decision.reason.contains(reason), "\(refusal): \(decision.reason)")
            #expect(top.passthrough == nil)
            #expect(run.logs.first == "passthrough: no (\(decision.reason))")
            if refusal.isH264 {
                #expect(try await videoPacketHashes(out + "/" + top.playlist) != (try await videoPacketHashes(source)))
            }
        } else {
            #expect(decision.used, "\(decision.reason)")
            #expect(top.passthrough == true)
            #expect(try await videoPacketHashes(out + "/" + top.playlist) == (try await videoPacketHashes(source)))
        }
        // probe says the same for the same profile, in JSON and in text.
        let probe = try await Tool.run(
            TestBinaries.mediaWorker,
            ["probe", source, "--json", "--profile", refusal.profile, "--config", config]
        )
        try #require(probe.status == 0, "\(probe.stderr)")
        let report = try JSONDecoder.snakeCase.decode(ProbeReport.self, from: Data(probe.stdout.utf8))
        #expect(report.passthrough == decision)
        let text = try await Tool.run(
            TestBinaries.mediaWorker,
            ["probe", source, "--profile", refusal.profile, "--config", config]
        )
        #expect(text.stdout.contains("passthrough " + (decision.used ? "yes: " : "no: ") + decision.reason))
    }
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

/// Small sources (320x240) that differ from a compliant one in one respect each.
enum RefusalCase: String, CaseIterable, Sendable, CustomStringConvertible {
    case compliant, hevc, tenBit, rotated, interlaced, twentySecondGOP, overCeiling, never

    var description: String { rawValue }

    static let config = """
        [profiles.small]
        segment_duration = "2s"
        [[profiles.small.renditions]]
        height = 240
        video_bitrate = "400k"
        level = "3.0"
        [[profiles.small.renditions]]
        height = 144
        video_bitrate = "200k"
        level = "3.0"
        [profiles.small.thumbnails]
        percentages = [50]
        widths = [96]
        [profiles.tight]
        segment_duration = "2s"
        passthrough_max_bitrate = "50k"
        [[profiles.tight.renditions]]
        height = 240
        video_bitrate = "400k"
        level = "3.0"
        [profiles.tight.thumbnails]
        percentages = [50]
        widths = [96]
        [profiles.never]
        segment_duration = "2s"
        passthrough = "never"
        [[profiles.never.renditions]]
        height = 240
        video_bitrate = "400k"
        level = "3.0"
        [profiles.never.thumbnails]
        percentages = [50]
        widths = [96]
        """

    var profile: String {
        switch self {
        case .overCeiling: "tight"
        case .never: "never"
        default: "small"
        }
    }

    /// What the reason in video.json says; nil for the compliant clip.
    var reason: String? {
        switch self {
        case .compliant: nil
        case .hevc: "video codec hevc (needs h264)"
        case .tenBit: "10-bit video (yuv420p10le; needs 8-bit 4:2:0)"
        // rotate=90 in the tag: the picture is turned 270° clockwise to be upright (as probe reports it).
        case .rotated: "rotation to apply: 270° (display matrix)"
        case .interlaced: "interlaced video (field order tt)"
        case .twentySecondGOP: "keyframes 20.0 s apart (max 4.0 s)"
        // The average already exceeds so low a ceiling (the peak is unit-tested).
        case .overCeiling: "over the ceiling of 50 kbit/s"
        case .never: "passthrough = \"never\" in the profile"
        }
    }

    var isH264: Bool { self != .hevc }

    func make(in directory: String) async throws -> String {
        let path = directory + "/" + rawValue + (self == .hevc ? ".mov" : ".mp4")
        let seconds = self == .twentySecondGOP ? 22 : 4
        let input = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=\(seconds)"]
        let gop = ["-x264-params", "keyint=25:min-keyint=25:scenecut=0"]
        let h264 = ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "300k", "-pix_fmt", "yuv420p"]
        switch self {
        case .compliant, .overCeiling, .never:
            try await ffmpeg(input + h264 + gop + [path])
        case .hevc:
            try await ffmpeg(
                input + [
                    "-c:v", "libx265", "-x265-params", "log-level=error:keyint=25", "-pix_fmt", "yuv420p", "-tag:v",
                    "hvc1", path,
                ]
            )
        case .tenBit:
            try await ffmpeg(
                input + ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p10le"] + gop + [path]
            )
        case .rotated:
            let plain = directory + "/plain.mp4"
            try await ffmpeg(input + h264 + gop + [plain])
            try await ffmpeg(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", path])
        case .interlaced:
            try await ffmpeg(
                input + [
                    "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264-params", "interlaced=1:tff=1:keyint=25",
                    "-pix_fmt", "yuv420p", path,
                ]
            )
        case .twentySecondGOP:
            try await ffmpeg(input + h264 + ["-x264-params", "keyint=500:min-keyint=500:scenecut=0", path])
        }
        return path
    }
}
