import Foundation
import IngestCore
import TestSupport
import Testing

/// A small ladder so every clip keeps both rungs (or, for the tiny odd clip, proves the fallback rung), always
/// encoded (passthrough has its own tests).
private let testConfig = """
    [profiles.test]
    segment_duration = "1s"
    passthrough = "never"
    [[profiles.test.renditions]]
    height = 240
    video_bitrate = "400k"
    level = "3.0"
    [[profiles.test.renditions]]
    height = 144
    video_bitrate = "200k"
    level = "3.0"
    [profiles.test.thumbnails]
    percentages = [10, 50, 90]
    seconds = [1]
    widths = [96, 320]
    """

/// What ffprobe says about a source: the independent reference for the expected output.
private struct SourceFacts {
    var duration: Double
    var displayWidth: Int
    var displayHeight: Int
    /// ffprobe's r_frame_rate: what the output's constant rate must be (all test clips are under the 30 fps cap).
    var nominalRate: Double

    init(path: String) async throws {
        let json = try await ffprobe(["-show_streams", "-show_format", "-select_streams", "v:0", path])
        let stream = try #require((json["streams"] as? [[String: Any]])?.first)
        var width = try #require(stream["width"] as? Int)
        var height = try #require(stream["height"] as? Int)
        let sideData = stream["side_data_list"] as? [[String: Any]] ?? []
        if let rotation = sideData.compactMap({ $0["rotation"] as? Int }).first, abs(rotation) % 180 == 90 {
            swap(&width, &height)
        }
        displayWidth = width
        displayHeight = height
        nominalRate = rate(stream["r_frame_rate"] as? String)
        let format = json["format"] as? [String: Any]
        let text = (stream["duration"] as? String) ?? (format?["duration"] as? String) ?? "0"
        duration = Double(text) ?? 0
    }
}

private func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(type, from: data)
}

private func streams(_ json: [String: Any]) -> [[String: Any]] {
    json["streams"] as? [[String: Any]] ?? []
}

private func rate(_ text: String?) -> Double {
    let parts = (text ?? "0/1").split(separator: "/").compactMap { Double($0) }
    return parts.count == 2 && parts[1] > 0 ? parts[0] / parts[1] : 0
}

@Suite("transcode")
struct TranscodeTests {
    @Test(arguments: TestClip.allCases)
    func transcodesIntoAValidLadder(clip: TestClip) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = try await clip.make(in: dir.path)
        let config = try dir.write("agent.toml", testConfig)
        let out = dir.path + "/out"
        let result = try await Tool.run(
            TestBinaries.mediaWorker,
            ["transcode", source, "--out", out, "--profile", "test", "--progress", "json", "--config", config]
        )
        try #require(result.status == 0, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.isEmpty)
        try await checkProgressLines(result.stdout, out: out)

        let facts = try await SourceFacts(path: source)
        let manifest = try decodeJSON(
            VideoManifest.self,
            try Data(contentsOf: URL(fileURLWithPath: out + "/video.json"))
        )
        let video = manifest.renditions.filter { $0.type == "video" }
        #expect(manifest.renditions.contains { $0.type == "audio" } == clip.hasAudio)
        // Never upscale, and at least one rung: 240 and 144 where the source is at least that tall.
        let expectedHeights = [240, 144].filter { $0 <= facts.displayHeight }
        #expect(
            video.map { $0.height ?? 0 } == (expectedHeights.isEmpty ? [facts.displayHeight & ~1] : expectedHeights)
        )

        let fps = try await checkRungs(out: out, video: video, facts: facts)
        try await checkHLS(out: out, facts: facts, fps: fps, rungs: video.count, audio: clip.hasAudio)
        try await checkDASH(out: out, facts: facts, fps: fps, audio: clip.hasAudio)
        try await checkKeyframesAligned(out: out, rungs: video.map(\.id))
        try await checkFilesAndDigests(out: out, manifest: manifest)
        try await checkThumbnails(out: out, manifest: manifest, facts: facts)
        try await checkProgressiveMP4(out: out, manifest: manifest, facts: facts, fps: fps, audio: clip.hasAudio)
        if clip == .hevcMOVRotated { try await checkUpright(source: source, out: out, rung: video[0]) }
    }

    /// Each line is one JSON object: progress with the documented keys (percent never goes back, the last says
    /// done), a finished file that exists with the announced size, or a log line (the passthrough decision first).
    private func checkProgressLines(_ stdout: String, out: String) async throws {
        let lines = stdout.split(separator: "\n")
        #expect(lines.count >= 3)
        var last = -1.0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["event"] as? String == "file" {
                let path = try #require(object["path"] as? String)
                let size = try FileManager.default.attributesOfItem(atPath: out + "/" + path)[.size] as? Int
                #expect(object["bytes"] as? Int == size, "\(line)")
                continue
            }
            if object["event"] as? String == "log" {
                #expect(object["message"] is String, "\(line)")
                continue
            }
            for key in ["stage", "percent", "fps", "speed"] { #expect(object[key] != nil, "\(key) in \(line)") }
            let percent = try #require(object["percent"] as? Double)
            #expect(percent >= last)
            last = percent
        }
        #expect(lines.last?.contains("\"stage\":\"done\"") == true)
        #expect(last == 100)
    }

    /// Every rung: H.264 yuv420p 8-bit, square pixels, even size with the source's upright aspect, constant rate.
    private func checkRungs(out: String, video: [VideoManifest.Rendition], facts: SourceFacts) async throws -> Double {
        var fps = 0.0
        for rendition in video {
            let json = try await ffprobe(["-show_streams", out + "/" + rendition.playlist])
            let stream = try #require(streams(json).first { $0["codec_type"] as? String == "video" })
            #expect(stream["codec_name"] as? String == "h264")
            #expect(stream["pix_fmt"] as? String == "yuv420p")
            let width = try #require(stream["width"] as? Int)
            let height = try #require(stream["height"] as? Int)
            #expect(width % 2 == 0 && height % 2 == 0)
            #expect(width == rendition.width && height == rendition.height)
            let sourceAspect = Double(facts.displayWidth) / Double(facts.displayHeight)
            #expect(abs(Double(width) - Double(height) * sourceAspect) <= 2, "\(width)x\(height) vs \(sourceAspect)")
            let sar = stream["sample_aspect_ratio"] as? String
            #expect(sar == nil || sar == "1:1" || sar == "0:1")
            let nominal = rate(stream["r_frame_rate"] as? String)
            let average = rate(stream["avg_frame_rate"] as? String)
            #expect(nominal > 0 && abs(nominal - average) < 0.01, "constant frame rate: \(nominal) vs \(average)")
            #expect(
                abs(nominal - facts.nominalRate) < 0.01,
                "output \(nominal) fps, source nominal \(facts.nominalRate)"
            )
            fps = nominal
        }
        return fps
    }

    private func checkHLS(out: String, facts: SourceFacts, fps: Double, rungs: Int, audio: Bool) async throws {
        let master = try String(contentsOfFile: out + "/master.m3u8", encoding: .utf8)
        #expect(master.hasPrefix("#EXTM3U"))
        #expect(master.contains("#EXT-X-INDEPENDENT-SEGMENTS"))
        let variants = master.split(separator: "\n").filter { $0.hasPrefix("#EXT-X-STREAM-INF:") }
        #expect(variants.count == rungs)
        for variant in variants {
            for attribute in ["BANDWIDTH=", "AVERAGE-BANDWIDTH=", "CODECS=\"avc1.", "RESOLUTION=", "FRAME-RATE="] {
                #expect(variant.contains(attribute), "\(attribute) in \(variant)")
            }
            #expect(variant.contains("mp4a.40.2") == audio)
        }
        #expect(master.contains("#EXT-X-MEDIA:TYPE=AUDIO") == audio)
        let playlists = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix("index.m3u8") }
        #expect(playlists.count == rungs + (audio ? 1 : 0))
        for playlist in playlists {
            let text = try String(contentsOfFile: out + "/" + playlist, encoding: .utf8)
            for tag in [
                "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-TARGETDURATION:", "#EXT-X-MAP:URI=",
                "#EXT-X-ENDLIST",
            ] {
                #expect(text.contains(tag), "\(tag) in \(playlist)")
            }
        }
        // ffprobe reads the master: every rung at the source's duration within one frame.
        let json = try await ffprobe(["-count_packets", "-show_streams", "-show_format", out + "/master.m3u8"])
        let videoStreams = streams(json).filter { $0["codec_type"] as? String == "video" }
        #expect(videoStreams.count == rungs)
        for stream in videoStreams {
            let packets = Double(stream["nb_read_packets"] as? String ?? "0") ?? 0
            #expect(abs(packets / fps - facts.duration) <= 1 / fps + 1e-6, "\(packets) frames vs \(facts.duration) s")
        }
        #expect(streams(json).contains { $0["codec_type"] as? String == "audio" } == audio)
        // Sound and picture start together (encoder priming and B-frame delay compensated), within one frame.
        let starts = streams(json).compactMap { stream -> (String, Double)? in
            guard let type = stream["codec_type"] as? String, let start = stream["start_time"] as? String else {
                return nil
            }
            return Double(start).map { (type, $0) }
        }
        if let videoStart = starts.first(where: { $0.0 == "video" })?.1,
            let audioStart = starts.first(where: { $0.0 == "audio" })?.1
        {
            #expect(abs(videoStart - audioStart) <= 1 / fps, "video starts at \(videoStart), audio at \(audioStart)")
        }
        let duration = Double((json["format"] as? [String: Any])?["duration"] as? String ?? "0") ?? 0
        #expect(abs(duration - facts.duration) <= 1 / fps + 0.03, "HLS duration \(duration) vs \(facts.duration)")
    }

    private func checkDASH(out: String, facts: SourceFacts, fps: Double, audio: Bool) async throws {
        let schema = Conformance.path("dash-schema/DASH-MPD.xsd")
        let lint = try await Tool.run("/usr/bin/xmllint", ["--noout", "--schema", schema, out + "/manifest.mpd"])
        #expect(lint.status == 0, "\(lint.stderr)")
        let json = try await ffprobe(["-count_packets", "-show_streams", out + "/manifest.mpd"])
        let videoStreams = streams(json).filter { $0["codec_type"] as? String == "video" }
        #expect(!videoStreams.isEmpty)
        #expect(streams(json).contains { $0["codec_type"] as? String == "audio" } == audio)
        // The first representation (the top rung): its frames span the source duration within one frame.
        let top = try #require(videoStreams.max { ($0["width"] as? Int ?? 0) < ($1["width"] as? Int ?? 0) })
        let packets = Double(top["nb_read_packets"] as? String ?? "0") ?? 0
        #expect(abs(packets / fps - facts.duration) <= 1 / fps + 1e-6, "DASH \(packets) frames vs \(facts.duration) s")
    }

    /// Each segment of each rung opens with an IDR and holds no other keyframe, at the same time in every rung.
    private func checkKeyframesAligned(out: String, rungs: [String]) async throws {
        var startsByRung: [[String]] = []
        for rung in rungs {
            let segments = try FileManager.default.contentsOfDirectory(atPath: out + "/" + rung)
                .filter { $0.hasSuffix(".m4s") }.sorted()
            #expect(segments.count >= 2, "\(rung) has \(segments.count) segments")
            var starts: [String] = []
            for segment in segments {
                let joined = out + "/\(rung)-\(segment).mp4"
                var data = try Data(contentsOf: URL(fileURLWithPath: out + "/\(rung)/init.mp4"))
                data.append(try Data(contentsOf: URL(fileURLWithPath: out + "/\(rung)/\(segment)")))
                try data.write(to: URL(fileURLWithPath: joined))
                defer { try? FileManager.default.removeItem(atPath: joined) }
                let json = try await ffprobe([
                    "-show_frames", "-show_entries", "frame=pts_time,key_frame,pict_type", joined,
                ])
                let frames = json["frames"] as? [[String: Any]] ?? []
                let first = try #require(frames.first)
                #expect(first["key_frame"] as? Int == 1 && first["pict_type"] as? String == "I", "\(rung)/\(segment)")
                #expect(frames.dropFirst().allSatisfy { $0["key_frame"] as? Int == 0 }, "one IDR in \(rung)/\(segment)")
                starts.append(first["pts_time"] as? String ?? "")
            }
            startsByRung.append(starts)
        }
        #expect(Set(startsByRung.map { $0.joined(separator: ",") }).count == 1, "segment starts \(startsByRung)")
        // Exactly one segment duration (1 s in the test profile) between consecutive segment starts.
        let times = (startsByRung.first ?? []).compactMap(Double.init)
        for (k, time) in times.enumerated() {
            #expect(
                abs(time - times[0] - Double(k)) < 0.002,
                "segment \(k + 1) starts at \(time), first at \(times[0])"
            )
        }
    }

    /// Sizes and SHA-256 in video.json match the files (sha256sum is the independent hasher).
    private func checkFilesAndDigests(out: String, manifest: VideoManifest) async throws {
        for file in manifest.allFiles {
            let attributes = try FileManager.default.attributesOfItem(atPath: out + "/" + file.path)
            #expect((attributes[.size] as? NSNumber)?.int64Value == file.bytes, "\(file.path)")
            let sum = try await Tool.run("/usr/bin/sha256sum", [out + "/" + file.path])
            #expect(sum.stdout.split(separator: " ").first.map(String.init) == file.sha256, "\(file.path)")
        }
    }

    private func checkThumbnails(out: String, manifest: VideoManifest, facts: SourceFacts) async throws {
        // 3 percentages + 1 s, at each width up to the source width, plus the poster.
        let widths = Set([96, 320].map { min($0, facts.displayWidth) & ~1 })
        #expect(manifest.thumbnails.count == 4 * widths.count + 1)
        #expect(manifest.thumbnails.contains { $0.label == "poster" })
        for thumbnail in manifest.thumbnails {
            let json = try await ffprobe(["-show_streams", out + "/" + thumbnail.file.path])
            let stream = try #require(streams(json).first)
            #expect(stream["codec_name"] as? String == "mjpeg")
            let width = try #require(stream["width"] as? Int)
            let height = try #require(stream["height"] as? Int)
            #expect(widths.contains(width))
            #expect(width == thumbnail.width && height == thumbnail.height)
            let expectedHeight = Double(width) * Double(facts.displayHeight) / Double(facts.displayWidth)
            #expect(abs(Double(height) - expectedHeight) <= 2, "\(thumbnail.file.path): \(width)x\(height)")
        }
    }

    private func checkProgressiveMP4(out: String, manifest: VideoManifest, facts: SourceFacts, fps: Double, audio: Bool)
        async throws
    {
        let path = out + "/" + manifest.mp4.file.path
        let json = try await ffprobe(["-show_streams", "-show_format", path])
        let video = try #require(streams(json).first { $0["codec_type"] as? String == "video" })
        #expect(video["height"] as? Int == manifest.mp4.height)
        #expect(streams(json).contains { $0["codec_type"] as? String == "audio" } == audio)
        let duration = Double(video["duration"] as? String ?? "0") ?? 0
        #expect(abs(duration - facts.duration) <= 1 / fps + 1e-6, "MP4 \(duration) vs \(facts.duration)")
        // faststart: the moov box comes before mdat.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let moov = try #require(data.range(of: Data("moov".utf8)))
        let mdat = try #require(data.range(of: Data("mdat".utf8)))
        #expect(moov.lowerBound < mdat.lowerBound)
    }

    /// The rotated clip's output looks like ffmpeg's own upright rendering of the first frame (PSNR), not like
    /// the picture turned the wrong way.
    private func checkUpright(source: String, out: String, rung: VideoManifest.Rendition) async throws {
        let width = try #require(rung.width)
        let height = try #require(rung.height)
        let reference = out + "/reference.png"
        let ours = out + "/ours.png"
        try await ffmpeg(["-i", source, "-vf", "scale=\(width):\(height)", "-frames:v", "1", reference])
        try await ffmpeg(["-i", out + "/" + rung.playlist, "-frames:v", "1", ours])
        let upright = try await psnr(reference, ours)
        try await ffmpeg(["-i", ours, "-vf", "hflip,vflip", out + "/turned.png"])
        let turned = try await psnr(reference, out + "/turned.png")
        #expect(upright > 25, "PSNR against ffmpeg's upright frame: \(upright)")
        #expect(upright > turned + 5, "upright \(upright) vs half-turned \(turned)")
    }
}

@Suite("rotation")
struct RotationTests {
    /// Every quarter turn of the display matrix comes out upright: our first frame matches ffmpeg's own
    /// auto-rotated rendering (PSNR), in the upright size.
    @Test(arguments: [90, 180, 270])
    func outputIsUpright(tag: Int) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let plain = dir.path + "/plain.mp4"
        let rotated = dir.path + "/rotated.mp4"
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            plain,
        ])
        try await ffmpeg(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=\(tag)", rotated])
        let config = try dir.write(
            "agent.toml",
            "[profiles.p]\nsegment_duration = \"1s\"\n[[profiles.p.renditions]]\nheight = 240\nvideo_bitrate = \"400k\"\n"
        )
        let out = dir.path + "/out"
        let result = try await Tool.run(
            TestBinaries.mediaWorker,
            ["transcode", rotated, "--out", out, "--profile", "p", "--config", config]
        )
        try #require(result.status == 0, "\(result.stderr)")
        let playlist = try #require(
            try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasPrefix("v") && !$0.contains(".") }
        )
        let probed = try await ffprobe(["-show_streams", out + "/" + playlist + "/index.m3u8"])
        let stream = try #require((probed["streams"] as? [[String: Any]])?.first)
        let width = try #require(stream["width"] as? Int)
        let height = try #require(stream["height"] as? Int)
        #expect(tag == 180 ? width > height : height > width, "\(width)x\(height) for rotate=\(tag)")
        let reference = dir.path + "/reference.png"
        let ours = dir.path + "/ours.png"
        try await ffmpeg(["-i", rotated, "-vf", "scale=\(width):\(height)", "-frames:v", "1", reference])
        try await ffmpeg(["-i", out + "/" + playlist + "/index.m3u8", "-frames:v", "1", ours])
        let value = try await psnr(reference, ours)
        #expect(value > 25, "PSNR \(value) against ffmpeg's upright frame for rotate=\(tag)")
    }
}
