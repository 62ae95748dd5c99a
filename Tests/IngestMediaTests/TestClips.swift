import Foundation

/// The source clips of the transcode tests, made by the ffmpeg CLI at test time (1 to 3 s, small).
enum TestClip: String, CaseIterable, Sendable, CustomStringConvertible {
    case h264MP4, hevcMOVRotated, mjpegAVIWithPCM, vp9MKVWithOpus, vp8WebMSilent, tenBit, fourFourFourOdd, variableRate

    var description: String { rawValue }

    var fileName: String {
        switch self {
        case .h264MP4: "clip.mp4"
        case .hevcMOVRotated: "clip.mov"
        case .mjpegAVIWithPCM: "clip.avi"
        case .vp9MKVWithOpus: "clip.mkv"
        case .vp8WebMSilent: "clip.webm"
        case .tenBit: "ten.mp4"
        case .fourFourFourOdd: "odd.mkv"
        case .variableRate: "vfr.mp4"
        }
    }

    var hasAudio: Bool { self != .vp8WebMSilent && self != .tenBit }

    /// Writes the clip into `directory` and returns its path.
    func make(in directory: String) async throws -> String {
        let path = directory + "/" + fileName
        let picture = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2"]
        let tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2"]
        switch self {
        case .h264MP4:
            try await ffmpeg(picture + tone + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", path])
        case .hevcMOVRotated:
            // FFmpeg 5.1 has no -display_rotation; a rotate tag on a stream copy writes the display matrix.
            let plain = directory + "/plain.mov"
            try await ffmpeg(
                ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2"] + tone + [
                    "-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-tag:v", "hvc1",
                    "-c:a", "aac", plain,
                ]
            )
            try await ffmpeg(["-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", path])
        case .mjpegAVIWithPCM:
            try await ffmpeg(picture + tone + ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-c:a", "pcm_s16le", path])
        case .vp9MKVWithOpus:
            try await ffmpeg(
                picture + tone + [
                    "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", path,
                ]
            )
        case .vp8WebMSilent:
            try await ffmpeg(picture + ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-an", path])
        case .tenBit:
            try await ffmpeg(picture + ["-c:v", "libx264", "-pix_fmt", "yuv420p10le", path])
        case .fourFourFourOdd:
            try await ffmpeg(
                ["-f", "lavfi", "-i", "testsrc2=size=161x121:rate=25:duration=2"] + tone + [
                    "-c:v", "libx264", "-pix_fmt", "yuv444p", "-c:a", "aac", path,
                ]
            )
        case .variableRate:
            // 25 fps with frames 10 to 19 dropped: a 0.4 s gap, 40 frames over 2 s.
            try await ffmpeg(
                picture + tone + [
                    "-vf", "select='not(between(n,10,19))'", "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac", path,
                ]
            )
        }
        return path
    }
}
