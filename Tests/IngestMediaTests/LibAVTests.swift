import Foundation
import IngestMedia
import TestSupport
import Testing

@Suite("libav wrappers")
struct LibAVTests {
    @Test func linkedLibrariesAreFFmpeg51() {
        let versions = LibAV.versions
        #expect(versions.ffmpeg.hasPrefix("5.1"), "FFmpeg release \(versions.ffmpeg)")
        // FFmpeg 5.1 ships libavformat 59, libavcodec 59, libavutil 57, libswscale 6, libswresample 4.
        #expect(versions.avformat.hasPrefix("59."))
        #expect(versions.avcodec.hasPrefix("59."))
        #expect(versions.avutil.hasPrefix("57."))
        #expect(versions.swscale.hasPrefix("6."))
        #expect(versions.swresample.hasPrefix("4."))
    }

    @Test func macroShimsGiveTheDocumentedValues() {
        #expect(LibAV.noTimestamp == Int64.min)
        #expect(LibAV.timeBase.num == 1 && LibAV.timeBase.den == 1_000_000)
        #expect(AVError.posix(ENOENT) == -ENOENT)
        // FFERRTAG('E','O','F',' ') = -('E' | 'O' << 8 | 'F' << 16 | ' ' << 24)
        #expect(AVError.endOfFile == -0x2046_4F45)
        #expect(AVError.tryAgain == -EAGAIN)
    }

    @Test func errorCodesBecomeReadableMessages() {
        #expect(AVError.message(for: AVError.endOfFile) == "End of file")
        #expect(AVError.message(for: AVError.invalidData) == "Invalid data found when processing input")
        #expect(AVError.message(for: AVError.posix(EAGAIN)) == "Resource temporarily unavailable")
    }

    @Test func openingAMissingFileThrowsENOENT() {
        let error = #expect(throws: AVError.self) { try FormatInput(path: "/nonexistent/clip.mp4") }
        #expect(error?.code == -ENOENT)
        #expect(error?.message == "No such file or directory")
        #expect(error?.description.hasPrefix("open /nonexistent/clip.mp4: No such file or directory") == true)
    }

    @Test func textFileNamedMp4IsInvalidData() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/notes.mp4"
        try Data("shift report: line 3 stopped at 14:02\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: AVError.self) { try FormatInput(path: path) }
        #expect(error?.code == AVError.invalidData)
    }

    @Test func opensARealClip() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/clip.mp4"
        try await ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1", "-pix_fmt", "yuv420p", path])
        let input = try FormatInput(path: path)
        #expect(input.formatName.contains("mp4"))
        #expect(input.streamCount == 1)
        let duration = try #require(input.duration)
        #expect(abs(duration - 1.0) < 0.05)
    }
}
