import ArgumentParser
import BuildInfo
import Foundation
import IngestCore
import IngestMedia

/// `reel-ingest --version` runs this to learn the FFmpeg libraries, which only this process loads.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print this worker's version and the FFmpeg libraries it links.",
        shouldDisplay: false
    )

    @Flag(name: .long, help: "Print machine-readable JSON.") var json = false

    func run() throws {
        let av = LibAV.versions
        let versions = MediaVersions(
            version: BuildInfo.version,
            ffmpeg: av.ffmpeg,
            libavformat: av.avformat,
            libavcodec: av.avcodec,
            libavutil: av.avutil,
            libswscale: av.swscale,
            libswresample: av.swresample
        )
        guard json else {
            print("reel-ingest-media \(versions.version), FFmpeg \(versions.ffmpeg)")
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(versions), as: UTF8.self))
    }
}
