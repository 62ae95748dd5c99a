import Foundation
import TestSupport
import Testing

/// `reel-ingest --version`, checked against independent sources: the repository's own version script, and
/// the versions the ffmpeg CLI, the curl CLI and Python's sqlite3 module report for the same system libraries.
@Suite("reel-ingest --version")
struct VersionTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func namesThisBuildAndTheLibrariesInUse() async throws {
        let result = try await CLI.run(["--version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "\(result.stdout)")

        let expected = try await runProcessAsync("/bin/sh", [Self.repository + "/scripts/version.sh"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(lines[0].hasPrefix("reel-ingest \(expected) (commit "))

        let ffmpeg = try await runProcessAsync("/usr/bin/ffmpeg", ["-hide_banner", "-version"]).stdout
        let ffmpegVersion = try #require(ffmpeg.split(separator: " ").dropFirst(2).first)
        #expect(lines[1].hasPrefix("FFmpeg \(ffmpegVersion) (libavformat "))
        #expect(lines[1].hasSuffix("in reel-ingest-media"))

        let curl = try await runProcessAsync("/usr/bin/curl", ["--version"]).stdout
        let libcurl = try #require(curl.split(separator: " ").first { $0.hasPrefix("libcurl/") })
        #expect(lines[2].hasPrefix("libcurl \(libcurl.dropFirst("libcurl/".count)) ("))

        let sqlite = try await runProcessAsync(
            "/usr/bin/python3",
            ["-c", "import sqlite3; print(sqlite3.sqlite_version)"]
        )
        #expect(lines[3] == "SQLite \(sqlite.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    @Test func saysWhyFFmpegIsUnknownWithoutTheWorker() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // A hard link, not a copy: /proc/self/exe names the link's folder, and 100 MB are not copied under load.
        let lonely = dir.path + "/reel-ingest"
        do {
            try FileManager.default.linkItem(atPath: TestBinaries.reelIngest, toPath: lonely)
        } catch {
            try FileManager.default.copyItem(atPath: TestBinaries.reelIngest, toPath: lonely)
        }
        let result = try await CLI.run(["--version"], binary: lonely)
        #expect(result.status == 0)
        #expect(result.stdout.contains("FFmpeg unknown: cannot run \(dir.path)/reel-ingest-media"))
        #expect(result.stdout.contains("SQLite "))
    }
}
