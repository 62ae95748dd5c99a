import Foundation
import IngestCore
import IngestMedia
import TestSupport
import Testing

private let limits = ProbeLimits(
    maxWidth: 7680,
    maxHeight: 4320,
    maxDuration: 6 * 3600,
    allowedContainers: ["mp4", "mov", "avi", "matroska", "webm"]
)

/// Runs `reel-ingest-media probe` as the daemon will.
private func probeCLI(_ path: String, extra: [String] = []) async throws -> Tool.Result {
    try await Tool.run(TestBinaries.mediaWorker, ["probe", path, "--json"] + extra)
}

private func decodeReport(_ result: Tool.Result) throws -> ProbeReport {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(ProbeReport.self, from: Data(result.stdout.utf8))
}

@Suite("probe")
struct ProbeTests {
    @Test func describesAnH264Mp4WithAudio() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/clip.mp4"
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "1", path,
        ])
        let result = try await probeCLI(path)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try decodeReport(result)
        #expect(report.container == "mp4")
        #expect(abs(report.duration - 1.0) < 0.1)
        #expect(report.displayWidth == 160 && report.displayHeight == 120)
        let video = try #require(report.streams.first { $0.type == "video" })
        #expect(video.codec == "h264")
        #expect(video.pixelFormat == "yuv420p" && video.bitDepth == 8)
        #expect(video.frameRate == 25 && video.variableFrameRate == false)
        #expect(video.rotation == 0 && video.sampleAspectRatio == "1:1")
        let audio = try #require(report.streams.first { $0.type == "audio" })
        #expect(audio.codec == "aac" && audio.sampleRate == 44100 && audio.channels == 1)
        #expect(report.audioStream == audio.index)
    }

    @Test func containerComesFromTheFileNotTheExtension() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = "testsrc=size=64x48:rate=10:duration=1"
        let cases: [(String, [String], String)] = [
            ("a.mov", ["-c:v", "mpeg4", "-f", "mov"], "mov"),
            ("b.mp4", ["-c:v", "mjpeg", "-f", "avi"], "avi"),
            ("c.mkv", ["-c:v", "libvpx", "-f", "webm"], "webm"),
            ("d.webm", ["-c:v", "mpeg4", "-f", "matroska"], "matroska"),
        ]
        for (name, args, expected) in cases {
            let path = dir.path + "/" + name
            try await ffmpeg(["-f", "lavfi", "-i", source] + args + [path])
            let report = try MediaProbe.probe(path: path, limits: limits)
            #expect(report.container == expected, "\(name)")
        }
    }

    @Test func reportsRotationAndUprightSize() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let plain = dir.path + "/plain.mov"
        let rotated = dir.path + "/rotated.mov"
        try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1", "-c:v", "mpeg4", plain])
        try await ffmpeg(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", rotated])
        // ffprobe is the independent judge that the file really carries a quarter-turn display matrix.
        let probed = try await ffprobe(["-show_streams", rotated])
        let stream = try #require((probed["streams"] as? [[String: Any]])?.first)
        let sideData = stream["side_data_list"] as? [[String: Any]] ?? []
        let ffprobeRotation = sideData.compactMap { $0["rotation"] as? Int }.first
        let counterClockwise = try #require(ffprobeRotation)
        #expect(abs(counterClockwise) == 90)
        let report = try MediaProbe.probe(path: rotated, limits: limits)
        // ffprobe reports the display matrix counter-clockwise; the probe reports the clockwise turn.
        #expect(report.streams[0].rotation == (360 - counterClockwise) % 360)
        #expect(report.displayWidth == 90 && report.displayHeight == 160)
    }

    @Test func reportsTenBitAndVariableFrameRate() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let tenBit = dir.path + "/ten.mp4"
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", "libx264", "-pix_fmt",
            "yuv420p10le", tenBit,
        ])
        let ten = try MediaProbe.probe(path: tenBit, limits: limits)
        #expect(ten.streams[0].bitDepth == 10 && ten.streams[0].pixelFormat == "yuv420p10le")

        let vfr = dir.path + "/vfr.mp4"
        // 15 frames at 30 fps, then 10 frames at 5 fps.
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc=size=64x48:rate=30:duration=1",
            "-vf", "setpts='if(lt(N,15),N/30,0.5+(N-15)/5)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", vfr,
        ])
        let variable = try MediaProbe.probe(path: vfr, limits: limits)
        #expect(variable.streams[0].variableFrameRate == true)
    }

    /// Each bad input gets its own plain reason, exit status 1 and no crash.
    @Test func badInputsAreRejectedWithTheirReason() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let good = dir.path + "/good.mp4"
        try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-c:v", "libx264", good])
        let goodData = try Data(contentsOf: URL(fileURLWithPath: good))

        var cases: [(String, String)] = []
        try dir.write("empty.mp4", "")
        cases.append(("empty.mp4", "empty file"))
        // Cut in half: ffmpeg writes the moov box last, so the index is gone.
        try goodData.prefix(goodData.count / 2).write(to: URL(fileURLWithPath: dir.path + "/truncated.mp4"))
        cases.append(("truncated.mp4", "truncated or damaged file"))
        try dir.write("notes.mp4", "shift report: line 3 stopped at 14:02\n")
        cases.append(("notes.mp4", "not a video file"))
        var generator = SystemRandomNumberGenerator()
        let noise = Data((0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try noise.write(to: URL(fileURLWithPath: dir.path + "/noise.mp4"))
        cases.append(("noise.mp4", "not a video file"))
        try await ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", dir.path + "/voice.m4a"])
        try FileManager.default.moveItem(atPath: dir.path + "/voice.m4a", toPath: dir.path + "/voice.mp4")
        cases.append(("voice.mp4", "no video stream"))
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-c:v", "flv1", dir.path + "/old.flv",
        ])
        cases.append(("old.flv", "container flv is not allowed"))
        // Zero the coded pictures but keep the index: the file opens, nothing decodes.
        var blank = goodData
        let mdat = try #require(blank.range(of: Data("mdat".utf8)))
        let boxSize = blank[(mdat.lowerBound - 4)..<mdat.lowerBound].reduce(0) { $0 << 8 | Int($1) }
        let end = mdat.lowerBound - 4 + boxSize
        blank.replaceSubrange(mdat.upperBound..<end, with: Data(count: end - mdat.upperBound))
        try blank.write(to: URL(fileURLWithPath: dir.path + "/blank.mp4"))
        cases.append(("blank.mp4", "undecodable first frame"))

        for (name, reason) in cases {
            let result = try await probeCLI(dir.path + "/" + name)
            #expect(result.status == 1, "\(name): exit \(result.status)")
            #expect(result.stderr == reason + "\n", "\(name)")
            #expect(result.stdout.isEmpty, "\(name)")
        }
    }

    @Test func dimensionAndDurationLimitsComeFromTheConfig() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/wide.mp4"
        try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=2", "-c:v", "libx264", path])
        let config = try dir.write(
            "agent.toml",
            "[limits]\nmax_width = 256\nmax_height = 256\n"
        )
        let result = try await probeCLI(path, extra: ["--config", config])
        #expect(result.status == 1)
        #expect(result.stderr == "dimensions 320x240 exceed the limit of 256x256\n")

        var short = limits
        short.maxDuration = 1
        let error = #expect(throws: ProbeRejection.self) { try MediaProbe.probe(path: path, limits: short) }
        #expect(error?.description.hasPrefix("duration 2 s exceeds the limit of 1 s") == true)
    }

    @Test func missingFileAndBadConfig() async throws {
        let missing = try await probeCLI("/nonexistent/clip.mp4")
        #expect(missing.status == 1 && missing.stderr == "no such file: /nonexistent/clip.mp4\n")
        let badConfig = try await probeCLI("/nonexistent/clip.mp4", extra: ["--config", "/nonexistent/agent.toml"])
        #expect(badConfig.status == 2)
    }
}
