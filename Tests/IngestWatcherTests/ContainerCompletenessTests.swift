import Foundation
import IngestCore
import IngestWatcher
import TestSupport
import Testing

/// Files made by the ffmpeg CLI in each container a recorder writes, judged whole and then cut short at several
/// places; and files read while ffmpeg is still writing them.
@Suite("Container completeness", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")))
struct ContainerCompletenessTests {
    /// Name, extension, ffmpeg's output options.
    static let containers: [(String, String, [String])] = [
        ("mp4, index at the end", "mp4", []),
        ("mp4, index first", "mp4", ["-movflags", "+faststart"]),
        ("fragmented mp4", "mp4", ["-movflags", "+frag_keyframe+empty_moov"]),
        ("QuickTime", "mov", []),
        ("Matroska", "mkv", []),
        ("WebM", "webm", ["-c:v", "libvpx", "-c:a", "libopus", "-deadline", "realtime"]),
        ("MPEG-TS", "ts", []),
        ("AVI", "avi", ["-c:v", "mpeg4"]),
    ]

    /// A 160x120 clip made at full speed, or (`live`) a noisy 640x360 one made in real time, so that the muxer
    /// writes as it goes as a recorder does.
    static func make(_ options: [String], ext: String, in dir: TempDirectory, seconds: Int = 3, live: Bool = false)
        throws -> (path: String, process: Process, keys: Pipe)
    {
        let path = dir.path + "/clip.\(ext)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments =
            ["-hide_banner", "-loglevel", "error", "-y"] + (live ? ["-re"] : [])
            + [
                "-f", "lavfi", "-i", "testsrc2=size=\(live ? "640x360" : "160x120"):rate=25:duration=\(seconds)",
                "-f", "lavfi", "-i", "sine=duration=\(seconds)", "-g", "25", "-pix_fmt", "yuv420p",
            ] + (live ? ["-vf", "noise=alls=30:allf=t"] : [])
            + (options.contains("-c:v") ? [] : ["-c:v", "libx264", "-preset", "ultrafast"])
            + (options.contains("-c:a") || ext == "avi" ? [] : ["-c:a", "aac"]) + options + [path]
        // ffmpeg's keyboard: `q` makes it finish the file and stop.
        let keys = Pipe()
        process.standardInput = keys
        try process.run()
        return (path, process, keys)
    }

    @Test(arguments: containers.indices)
    func wholeFilesPassAndEveryCutIsCaught(index: Int) throws {
        let (name, ext, options) = Self.containers[index]
        let dir = try TempDirectory()
        defer { dir.remove() }
        let (path, ffmpeg, _) = try Self.make(options, ext: ext, in: dir)
        ffmpeg.waitUntilExit()
        try #require(ffmpeg.terminationStatus == 0, "ffmpeg made the \(name) file")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(ContainerCompleteness.check(path: path) == .complete, "\(name), whole")
        // Not on a transport stream packet's boundary: a stream cut exactly there looks whole (see TransportStream).
        for place in [400, bytes.count / 4, bytes.count / 2, bytes.count * 9 / 10, bytes.count - 1] {
            let cut = place % 188 == 0 ? place + 1 : place
            let verdict = ContainerCompleteness.check(InMemoryBytes(Array(bytes[0..<cut])))
            #expect(verdict != .complete, "\(name) cut to \(cut) of \(bytes.count) bytes")
        }
    }

    /// What a recorder leaves while it records: the file as ffmpeg has it mid-write (mdat without a size, a
    /// Matroska segment of unknown size, a RIFF without its size), then the file it finishes when told to stop.
    @Test(arguments: [0, 4, 7])
    func aFileStillBeingRecordedIsIncompleteUntilTheRecorderStops(index: Int) async throws {
        let (name, ext, options) = Self.containers[index]
        let dir = try TempDirectory()
        defer { dir.remove() }
        // A minute in real time: still recording when read, however busy the machine.
        let (path, ffmpeg, keys) = try Self.make(options, ext: ext, in: dir, seconds: 60, live: true)
        defer { if ffmpeg.isRunning { ffmpeg.terminate() } }
        let deadline = ContinuousClock.now + .seconds(40)
        while (FileSystemCalls.lstat(path)?.st_size ?? 0) < 256 << 10, ffmpeg.isRunning, ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(ffmpeg.isRunning, "\(name): still recording when read")
        try #require((FileSystemCalls.lstat(path)?.st_size ?? 0) >= 256 << 10, "\(name): 256 KiB written")
        #expect(ContainerCompleteness.check(path: path) != .complete, "\(name) while recording")
        keys.fileHandleForWriting.write(Data("q".utf8))
        ffmpeg.waitUntilExit()
        #expect(ContainerCompleteness.check(path: path) == .complete, "\(name) once finished")
    }

    @Test func otherFilesArePassedToTheProbe() {
        #expect(ContainerCompleteness.check(InMemoryBytes(Array("not a video at all".utf8))) == .complete)
        #expect(ContainerCompleteness.check(InMemoryBytes([])) == .complete)
    }

    @Test func theReasonSaysWhereTheStructureAndTheFileEndInOneUnit() {
        // An mdat box of 8 MiB declared, a file of 4 MiB.
        let ftyp: [UInt8] = [0, 0, 0, 16] + Array("ftypisom".utf8) + [0, 0, 0, 0]
        let mdat: [UInt8] = [0, 0x80, 0, 0] + Array("mdat".utf8)
        let file = ftyp + mdat + [UInt8](repeating: 0, count: (4 << 20) - ftyp.count - mdat.count)
        guard case .incomplete(let reason) = ContainerCompleteness.check(InMemoryBytes(file)) else {
            Issue.record("a cut mdat box passed")
            return
        }
        #expect(reason == "box 'mdat' runs 4.0 MiB past the end of the file (4.0 of 8.0 MiB)")
    }
}
