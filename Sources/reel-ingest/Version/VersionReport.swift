import BuildInfo
import Foundation
import IngestCore
import IngestPublish
import IngestStore

/// `reel-ingest --version`: this build and the libraries it runs on. FFmpeg's comes from the media worker,
/// since this executable does not link it.
struct VersionReport {
    var version = BuildInfo.version
    var commit = BuildInfo.commit
    var curl = Curl.version
    var sqlite: String
    /// Either what the worker reported or why it could not be asked.
    var media: Result<MediaVersions, Failure>

    static func collect() async -> VersionReport {
        let sqlite = (try? SQLiteStore.sqliteVersion()) ?? "unknown"
        let worker = MediaWorker.binary
        let media = await runBlocking { () -> Result<MediaVersions, Failure> in askWorker(worker) }
        return VersionReport(sqlite: sqlite, media: media)
    }

    /// Runs `reel-ingest-media version --json`.
    static func askWorker(_ path: String) -> Result<MediaVersions, Failure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["version", "--json"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(Failure("cannot run \(path): \(error.localizedDescription)"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let versions = try? JSONDecoder().decode(MediaVersions.self, from: data)
        else {
            return .failure(Failure("\(path) did not report its version (exit \(process.terminationStatus))"))
        }
        return .success(versions)
    }

    var lines: [String] {
        var lines = ["reel-ingest \(version) (commit \(commit.prefix(12)))"]
        switch media {
        case .success(let av):
            lines.append(
                "FFmpeg \(av.ffmpeg) (libavformat \(av.libavformat), libavcodec \(av.libavcodec), "
                    + "libavutil \(av.libavutil), libswscale \(av.libswscale), libswresample \(av.libswresample)), "
                    + "in reel-ingest-media"
                    + (av.version == version ? "" : " \(av.version): reinstall, the two binaries differ")
            )
        case .failure(let failure):
            lines.append("FFmpeg unknown: \(failure)")
        }
        lines.append("libcurl \(curl.version) (\(curl.sslVersion ?? "no TLS"))")
        lines.append("SQLite \(sqlite)")
        return lines
    }
}
