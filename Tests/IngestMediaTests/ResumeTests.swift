import Foundation
import IngestCore
import TestSupport
import Testing

/// Two small rungs, 2 s segments, always encoded; `other` differs only in the top rung's bit rate.
private let resumeConfig = """
    [profiles.r]
    segment_duration = "2s"
    passthrough = "never"
    [[profiles.r.renditions]]
    height = 240
    video_bitrate = "400k"
    level = "3.0"
    [[profiles.r.renditions]]
    height = 144
    video_bitrate = "200k"
    level = "3.0"
    [profiles.r.thumbnails]
    percentages = [10, 50, 95]
    widths = [96]
    [profiles.other]
    segment_duration = "2s"
    passthrough = "never"
    [[profiles.other.renditions]]
    height = 240
    video_bitrate = "300k"
    level = "3.0"
    [[profiles.other.renditions]]
    height = 144
    video_bitrate = "200k"
    level = "3.0"
    [profiles.other.thumbnails]
    percentages = [10, 50, 95]
    widths = [96]
    """

private let rungs = ["v240", "v144"]

/// A source of `seconds` at 320x240, 25 fps with a 2 s GOP, and pink noise at 44.1 kHz (resampled to 48 kHz by the
/// transcode; noise has a single correlation peak, so a shifted resume would show).
private func makeSource(_ path: String, seconds: Int, pattern: String = "testsrc2") async throws {
    try await ffmpeg([
        "-f", "lavfi", "-i", "\(pattern)=size=320x240:rate=25:duration=\(seconds)",
        "-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=44100:seed=3:amplitude=0.3:duration=\(seconds)",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", path,
    ])
}

private func transcode(_ source: String, _ out: String, profile: String = "r", config: String) -> [String] {
    ["transcode", source, "--out", out, "--profile", profile, "--progress", "json", "--config", config]
}

/// Size, modification time and SHA-256 of files, to show that kept files were not written again.
private struct FileState: Equatable {
    var size: Int64
    var modified: Int64
    var sha256: String
}

private func states(_ paths: [String], in out: String) async throws -> [String: FileState] {
    let sums = try await Tool.run("/usr/bin/sha256sum", paths.map { out + "/" + $0 })
    var digests: [String: String] = [:]
    for line in sums.stdout.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        if parts.count == 2 { digests[String(parts[1]).trimmingCharacters(in: .whitespaces)] = String(parts[0]) }
    }
    var result: [String: FileState] = [:]
    for path in paths {
        var info = stat()
        guard stat(out + "/" + path, &info) == 0 else { continue }
        result[path] = FileState(
            size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            sha256: digests[out + "/" + path] ?? ""
        )
    }
    return result
}

private func isSegment(_ path: String) -> Bool { path.hasSuffix(".m4s") }

/// The number of segments a resumed run kept, from its log line.
private func keptSegments(_ run: WatchedRun) -> Int? {
    guard let line = run.logs.first(where: { $0.hasPrefix("resuming: ") }) else { return nil }
    return Int(line.dropFirst("resuming: ".count).prefix { $0.isNumber })
}

/// Per-frame PSNR (dB, from each frame's MSE) of a rung against the source scaled to the rung's size.
private func framePSNR(rung: String, out: String, source: String, width: Int, height: Int) async throws -> [Double] {
    let stats = out + "/\(rung).psnr"
    let filter =
        "[1:v]scale=\(width):\(height):flags=bicubic,setpts=PTS-STARTPTS[s];[0:v]setpts=PTS-STARTPTS[r];"
        + "[r][s]psnr=stats_file=\(stats)"
    try await ffmpeg(["-i", out + "/\(rung)/index.m3u8", "-i", source, "-lavfi", filter, "-f", "null", "-"])
    return try String(contentsOfFile: stats, encoding: .utf8).split(separator: "\n").compactMap { line in
        guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("mse_avg:") }) else { return nil }
        return Double(field.dropFirst("mse_avg:".count))
    }
}

/// PSNR of a run of frames from their mean squared error (8-bit).
private func psnr(_ mse: ArraySlice<Double>) -> Double {
    let mean = mse.reduce(0, +) / Double(max(mse.count, 1))
    return mean > 0 ? 10 * log10(255 * 255 / mean) : 100
}

/// The audio of a playlist as 48 kHz mono samples.
private func pcm(_ playlist: String, in dir: String) async throws -> [Int16] {
    let raw = dir + "/\(UUID().uuidString).pcm"
    defer { try? FileManager.default.removeItem(atPath: raw) }
    try await ffmpeg(["-i", playlist, "-f", "s16le", "-ac", "1", "-ar", "48000", raw])
    let data = try Data(contentsOf: URL(fileURLWithPath: raw))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
}

/// The lag (samples, within ±`range`) at which `b` best matches `a` over `count` samples from `start`.
private func bestLag(_ a: [Int16], _ b: [Int16], start: Int, count: Int, range: Int) -> Int {
    var best = (lag: 0, score: -Double.infinity)
    for lag in -range...range {
        var score = 0.0
        for i in start..<(start + count) where i + lag >= 0 && i + lag < b.count && i < a.count {
            score += Double(a[i]) * Double(b[i + lag])
        }
        if score > best.score { best = (lag, score) }
    }
    return best.lag
}

@Suite("resume")
struct ResumeTests {
    /// A 60 s transcode killed with SIGKILL at about 30, 60 and 90 % (by its progress lines), then run again on the
    /// same folder: it keeps every file it had announced untouched, encodes exactly the missing segments, and ends
    /// with the uninterrupted run's segment list, IDR-led segments, continuous audio and the same picture quality.
    @Test func killedTranscodeResumes() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = dir.path + "/source.mp4"
        try await makeSource(source, seconds: 60)
        let config = try dir.write("agent.toml", resumeConfig)
        let reference = dir.path + "/reference"
        let whole = try await Tool.watch(transcode(source, reference, config: config))
        try #require(whole.status == 0, "\(whole.stderr)")
        let total = whole.files.filter(isSegment).count
        let referenceAudio = try await pcm(reference + "/audio/index.m3u8", in: dir.path)
        var referencePSNR: [String: [Double]] = [:]
        for (rung, size) in zip(rungs, [(320, 240), (192, 144)]) {
            referencePSNR[rung] = try await framePSNR(
                rung: rung,
                out: reference,
                source: source,
                width: size.0,
                height: size.1
            )
        }

        for percent in [30.0, 60, 90] {
            let out = dir.path + "/out\(Int(percent))"
            let first = try await Tool.watch(transcode(source, out, config: config), killWhen: atProgress(percent))
            try #require(first.killed, "run 1 was to be killed at \(percent) %: \(first.status) \(first.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out + "/video.json"))
            let announced = first.files
            let before = try await states(announced, in: out)

            let second = try await Tool.watch(transcode(source, out, config: config))
            try #require(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.isEmpty)

            // Every file announced before the kill is kept as it was (not even rewritten) and announced again.
            #expect(try await states(announced, in: out) == before, "\(percent) %")
            #expect(Set(announced).isSubset(of: Set(second.files)))
            // Only the missing segments are encoded: the segments announced after the kept ones are exactly the
            // rest of the ladder, none twice.
            let kept = try #require(keptSegments(second), "\(second.logs)")
            let segments = second.files.filter(isSegment)
            #expect(segments.count == total && Set(segments).count == total, "\(percent) %")
            #expect(kept >= announced.filter(isSegment).count && kept <= announced.filter(isSegment).count + 3)
            let fresh = Array(segments.dropFirst(kept))
            #expect(fresh.count == total - kept)
            #expect(Set(fresh).isDisjoint(with: Set(announced)), "no announced segment is encoded again")
            #expect(
                Double(kept) >= Double(total) * (percent - 15) / 100,
                "killed at \(percent) %: kept \(kept)/\(total)"
            )

            try await checkSameLadder(out, as: reference)
            try await checkAudio(out, referenceAudio: referenceAudio, in: dir.path)
            for (rung, size) in zip(rungs, [(320, 240), (192, 144)]) {
                let frames = try await framePSNR(rung: rung, out: out, source: source, width: size.0, height: size.1)
                let base = try #require(referencePSNR[rung])
                try #require(frames.count == base.count, "\(rung): \(frames.count) frames vs \(base.count)")
                for name in fresh where name.hasPrefix(rung + "/") {
                    let index = Int(name.dropFirst(rung.count + 5).prefix(5))! - 1
                    let range = (index * 50)..<min((index + 1) * 50, frames.count)
                    let resumed = psnr(frames[range])
                    let uninterrupted = psnr(base[range])
                    #expect(abs(resumed - uninterrupted) <= 0.5, "\(name): \(resumed) dB vs \(uninterrupted) dB")
                }
            }
        }
    }

    /// Same segments with the same durations in every playlist and the MPD, each opening with an IDR.
    private func checkSameLadder(_ out: String, as reference: String) async throws {
        for track in rungs + ["audio"] {
            #expect(
                try playlistDurations(out + "/\(track)/index.m3u8")
                    == (try playlistDurations(reference + "/\(track)/index.m3u8")),
                "\(track)"
            )
        }
        let ours = try dashTimelines(out + "/manifest.mpd")
        let theirs = try dashTimelines(reference + "/manifest.mpd")
        for (id, timeline) in theirs {
            #expect(ours[id]?.map(\.0) == timeline.map(\.0) && ours[id]?.map(\.1) == timeline.map(\.1), "\(id)")
        }
        for rung in rungs {
            let names = try FileManager.default.contentsOfDirectory(atPath: out + "/" + rung)
                .filter(isSegment).sorted()
            for name in names {
                let joined = out + "/\(rung)-\(name).mp4"
                var data = try Data(contentsOf: URL(fileURLWithPath: out + "/\(rung)/init.mp4"))
                data.append(try Data(contentsOf: URL(fileURLWithPath: out + "/\(rung)/\(name)")))
                try data.write(to: URL(fileURLWithPath: joined))
                defer { try? FileManager.default.removeItem(atPath: joined) }
                let json = try await ffprobe([
                    "-read_intervals", "%+#1", "-show_frames", "-show_entries", "frame=key_frame,pict_type", joined,
                ])
                let firstFrame = (json["frames"] as? [[String: Any]])?.first
                #expect(
                    firstFrame?["key_frame"] as? Int == 1 && firstFrame?["pict_type"] as? String == "I",
                    "\(rung)/\(name)"
                )
            }
        }
    }

    /// Audio packets follow each other without a gap or an overlap, and the sound after the resume point lines up
    /// with the uninterrupted run's to the sample.
    private func checkAudio(_ out: String, referenceAudio: [Int16], in dir: String) async throws {
        let json = try await ffprobe(["-show_entries", "packet=pts,duration", out + "/audio/index.m3u8"])
        let packets = (json["packets"] as? [[String: Any]] ?? []).compactMap { packet -> (Int, Int)? in
            guard let pts = packet["pts"] as? Int, let duration = packet["duration"] as? Int else { return nil }
            return (pts, duration)
        }
        #expect(packets.count > 2500)
        let gaps = zip(packets, packets.dropFirst()).filter { $0.0.0 + $0.0.1 != $0.1.0 }
        #expect(gaps.isEmpty, "audio timestamps jump at \(gaps.prefix(3).map { ($0.0.0, $0.1.0) })")
        let resumed = try await pcm(out + "/audio/index.m3u8", in: dir)
        #expect(resumed.count == referenceAudio.count)
        let length = min(resumed.count, referenceAudio.count)
        guard let divergence = (0..<length).first(where: { abs(Int(resumed[$0]) - Int(referenceAudio[$0])) > 64 })
        else {
            return
        }
        let count = min(4800, referenceAudio.count - divergence - 1200)
        let lag = bestLag(referenceAudio, resumed, start: divergence, count: count, range: 1100)
        #expect(lag == 0, "resumed audio is \(lag) samples off at sample \(divergence)")
    }

    /// A checkpoint made from another input, with another profile, or naming a file that changed since, is
    /// discarded with a log line: the run starts over and encodes every segment.
    @Test(arguments: ["input", "profile", "file"])
    func unusableCheckpointIsDiscarded(_ change: String) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = dir.path + "/a.mp4"
        try await makeSource(source, seconds: 12)
        let config = try dir.write("agent.toml", resumeConfig)
        let out = dir.path + "/out"
        let first = try await Tool.watch(transcode(source, out, config: config), killWhen: atProgress(50))
        try #require(first.killed)
        var input = source
        var profile = "r"
        let expected: String
        switch change {
        case "input":
            input = dir.path + "/b.mp4"
            try await makeSource(input, seconds: 12, pattern: "smptebars")
            expected = "it was made from another input"
        case "profile":
            profile = "other"
            expected = "it was made with another profile"
        default:
            let victim = try #require(first.files.first(where: isSegment))
            let handle = try #require(FileHandle(forUpdatingAtPath: out + "/" + victim))
            try handle.seek(toOffset: 100)
            try handle.write(contentsOf: Data([0x55]))
            try handle.close()
            expected = "\(victim) is not as recorded"
        }
        let second = try await Tool.watch(transcode(input, out, profile: profile, config: config))
        try #require(second.status == 0, "\(second.stderr)")
        #expect(second.logs.contains("checkpoint discarded, starting over: \(expected)"), "\(second.logs)")
        #expect(keptSegments(second) == nil)
        // Everything is written again: every segment announced once, and video.json names what is on disk.
        let segments = second.files.filter(isSegment)
        #expect(Set(segments).count == segments.count && segments.count >= 6 * 3)
        let decoder = JSONDecoder.snakeCase
        let manifest = try decoder.decode(
            VideoManifest.self,
            from: Data(contentsOf: URL(fileURLWithPath: out + "/video.json"))
        )
        let disk = try await states(manifest.allFiles.map(\.path), in: out)
        for file in manifest.allFiles { #expect(disk[file.path]?.sha256 == file.sha256, "\(file.path)") }
    }

    /// Run again after it finished: everything is kept, nothing is encoded, the manifests come out the same.
    @Test func finishedTranscodeRunAgainChangesNothing() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = dir.path + "/a.mp4"
        try await makeSource(source, seconds: 6)
        let config = try dir.write("agent.toml", resumeConfig)
        let out = dir.path + "/out"
        let first = try await Tool.watch(transcode(source, out, config: config))
        try #require(first.status == 0, "\(first.stderr)")
        // Playlists, MPD, MP4 and video.json are made again from the kept segments; they come out the same.
        let finals = first.files.filter { !$0.hasSuffix(".m4s") && !$0.hasSuffix("init.mp4") && !$0.hasSuffix(".jpg") }
        let before = try await states(first.files, in: out)
        let second = try await Tool.watch(transcode(source, out, config: config))
        try #require(second.status == 0, "\(second.stderr)")
        #expect(keptSegments(second) == first.files.filter(isSegment).count)
        #expect(second.files.sorted() == first.files.sorted(), "the same files, each announced once")
        let after = try await states(first.files, in: out)
        for path in first.files {
            if finals.contains(path) {
                #expect(after[path]?.sha256 == before[path]?.sha256, "\(path) is written again the same")
            } else {
                #expect(after[path] == before[path], "\(path) is kept untouched")
            }
        }
    }
}
