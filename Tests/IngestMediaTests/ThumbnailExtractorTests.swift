import Foundation
import IngestCore
import IngestMedia
import TestSupport
import Testing

@Suite("standalone thumbnails")
struct ThumbnailExtractorTests {
    /// A 12 s clip with 1 s GOPs: a thumbnail at 90 % costs about one GOP of decoding, not 270 frames.
    @Test func seeksToTheKeyframeBeforeThePosition() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = dir.path + "/long.mp4"
        try ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=12", "-c:v", "libx264", "-g", "25",
            "-pix_fmt", "yuv420p", clip,
        ])
        var settings = Profile.standard.thumbnails
        settings.percentages = [90]
        settings.widths = [160]
        settings.poster = false
        let result = try ThumbnailExtractor.extract(
            path: clip,
            settings: settings,
            limits: ProbeLimits(maxWidth: 7680, maxHeight: 4320, maxDuration: 3600, allowedContainers: ["mp4"]),
            outputDirectory: dir.path + "/out"
        )
        #expect(result.decodedFrames <= 25 + 4, "decoded \(result.decodedFrames) frames")
        let file = try #require(result.files.first)
        let probed = try ffprobe(["-show_streams", dir.path + "/out/" + file.path])
        let stream = try #require((probed["streams"] as? [[String: Any]])?.first)
        #expect(stream["codec_name"] as? String == "mjpeg")
        #expect(stream["width"] as? Int == 160 && stream["height"] as? Int == 120)
        // The picture is the one ffmpeg shows at 10.8 s (accurate seek), not the keyframe the seek landed on.
        let reference = dir.path + "/reference.png"
        try ffmpeg(["-ss", "10.8", "-i", clip, "-frames:v", "1", reference])
        let keyframe = dir.path + "/keyframe.png"
        try ffmpeg(["-ss", "10", "-i", clip, "-frames:v", "1", keyframe])
        let ours = dir.path + "/out/" + file.path
        let exact = try psnr(reference, ours)
        let early = try psnr(keyframe, ours)
        #expect(exact > early + 3, "PSNR \(exact) against the frame at 10.8 s, \(early) against the keyframe")
    }
}
