import Foundation
import IngestCore
import IngestMedia
import TestSupport
import Testing

@Suite("standalone thumbnails")
struct ThumbnailExtractorTests {
    /// A 12 s clip with 1 s GOPs: a thumbnail at 90 % costs about one GOP of decoding, not 270 frames.
    @Test func seeksToTheKeyframeBeforeThePosition() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = dir.path + "/long.mp4"
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=12", "-c:v", "libx264", "-g", "25",
            "-pix_fmt", "yuv420p", clip,
        ])
        var settings = Profile.standard.thumbnails
        settings.percentages = [90]
        settings.widths = [160]
        settings.poster = false
        let chosen = settings
        let out = dir.path + "/out"
        // Blocking decode work goes to a Dispatch thread, off the cooperative pool.
        let result = try await runBlocking { () throws -> ThumbnailExtractor.Result in
            try ThumbnailExtractor.extract(
                path: clip,
                settings: chosen,
                limits: ProbeLimits(maxWidth: 7680, maxHeight: 4320, maxDuration: 3600, allowedContainers: ["mp4"]),
                outputDirectory: out
            )
        }
        #expect(result.decodedFrames <= 25 + 4, "decoded \(result.decodedFrames) frames")
        let file = try #require(result.files.first)
        let probed = try await ffprobe(["-show_streams", dir.path + "/out/" + file.path])
        let stream = try #require((probed["streams"] as? [[String: Any]])?.first)
        #expect(stream["codec_name"] as? String == "mjpeg")
        #expect(stream["width"] as? Int == 160 && stream["height"] as? Int == 120)
        // The picture is the one ffmpeg shows at 10.8 s (accurate seek), not the keyframe the seek landed on.
        let reference = dir.path + "/reference.png"
        try await ffmpeg(["-ss", "10.8", "-i", clip, "-frames:v", "1", reference])
        let keyframe = dir.path + "/keyframe.png"
        try await ffmpeg(["-ss", "10", "-i", clip, "-frames:v", "1", keyframe])
        let ours = dir.path + "/out/" + file.path
        let exact = try await psnr(reference, ours)
        let early = try await psnr(keyframe, ours)
        #expect(exact > early + 3, "PSNR \(exact) against the frame at 10.8 s, \(early) against the keyframe")
    }
}
