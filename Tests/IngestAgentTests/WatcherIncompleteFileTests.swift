import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import TestSupport
import Testing

@testable import IngestAgent

/// A recorder or a copy over SMB that pauses longer than the settle time: the file holds still halfway. The real
/// watcher (inotify) and the real probe; the writer closes the file at its pause, so only the container's own
/// structure can tell that the rest is still to come.
@Suite(
    "Watcher: files taken only when whole",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"))
)
struct WatcherIncompleteFileTests {
    static let settle = Duration.milliseconds(300)

    /// Name, extension, ffmpeg output options.
    static let recorders: [(String, String, [String])] = [
        ("mp4, index at the end", "mp4", []),
        ("fragmented mp4", "mp4", ["-movflags", "+frag_keyframe+empty_moov"]),
        ("Matroska", "mkv", []),
        ("MPEG-TS", "ts", []),
    ]

    static func clip(_ options: [String], ext: String, in dir: TempDirectory) async throws -> [UInt8] {
        let path = dir.path + "/made.\(ext)"
        let ffmpeg = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=size=160x120:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
            ] + options + [path]
        )
        try #require(ffmpeg.status == 0)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Appends `bytes` to `path` and closes it, as a writer that pauses does.
    static func append(_ bytes: ArraySlice<UInt8>, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    @Test(arguments: recorders.indices)
    func aWriterPausingForThreeSettleTimesIsWaitedFor(index: Int) async throws {
        let (name, ext, options) = Self.recorders[index]
        let h = try WatchHarness(settle: Self.settle) { config, _ in
            config.limits.extensions.append("ts")
            config.limits.allowedContainers.append("mpegts")
        }
        defer { h.remove() }
        let bytes = try await Self.clip(options, ext: ext, in: h.dir)
        // Half, not on a transport stream packet's boundary.
        let half = bytes.count / 2 % 188 == 0 ? bytes.count / 2 + 1 : bytes.count / 2
        let path = h.inbox + "/clip.\(ext)"
        try await h.run(prober: SubprocessProber(executable: TestBinaries.mediaWorker)) { h in
            try Self.append(bytes[0..<half], to: path)
            try await h.log.waitFor("waiting for the rest of the file")
            // The pause: three settle times in all, during which the half file must not become a job.
            try await Task.sleep(for: Self.settle * 3)
            #expect(try await h.database.jobs(limit: 10).isEmpty, "\(name): taken at \(half) of \(bytes.count) bytes")
            try Self.append(bytes[half...], to: path)
            let job = try #require(try await h.job("clip.\(ext)", in: .stable), "\(name)")
            #expect(job.lastError == nil, "\(name)")
            #expect(try await h.database.jobs(limit: 10).count == 1, "\(name): one job, for the whole file")
            let sourceId = try #require(job.sourceFileId)
            let source = try #require(try await h.database.sourceFile(id: sourceId))
            #expect(source.size == Int64(bytes.count), "\(name): the job is for the whole file")
        }
    }

    @Test func aFileTruncatedForGoodIsRejectedAfterTheWait() async throws {
        let h = try WatchHarness(settle: Self.settle) { config, _ in config.limits.incompleteWait = .seconds(1) }
        defer { h.remove() }
        let bytes = try await Self.clip([], ext: "mp4", in: h.dir)
        let path = h.inbox + "/cut.mp4"
        try await h.run(prober: SubprocessProber(executable: TestBinaries.mediaWorker)) { h in
            try Self.append(bytes[0..<(bytes.count / 2)], to: path)
            let job = try #require(try await h.job("cut.mp4", in: .rejected))
            let reason = try #require(job.lastError)
            #expect(reason.hasPrefix("incomplete video file, unchanged for 1s: box 'mdat' runs"), "\(reason)")
            try await h.log.waitFor("rejected job=")
            // Rejected only after waiting for the rest, not at the first look.
            let log = h.log.text
            let waited = try #require(log.range(of: "waiting for the rest of the file"), "no wait; log:\n\(log)")
            let rejected = try #require(log.range(of: "rejected job="))
            #expect(waited.lowerBound < rejected.lowerBound)
            let note = try String(contentsOfFile: path + ".error.txt", encoding: .utf8)
            #expect(note.contains("incomplete video file"))
        }
    }
}
