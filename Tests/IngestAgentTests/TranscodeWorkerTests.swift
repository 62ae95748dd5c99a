import Foundation
import IngestAgent
import IngestCore
import TestSupport
import Testing

/// Messages collected from the worker's reader thread.
private final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [WorkerMessage] = []

    func add(_ message: WorkerMessage) {
        lock.lock()
        items.append(message)
        lock.unlock()
    }

    var all: [TranscodeProgress] {
        messages.compactMap { if case .progress(let report) = $0 { report } else { nil } }
    }

    var files: [WorkerMessage.OutputFile] {
        messages.compactMap { if case .file(let file) = $0 { file } else { nil } }
    }

    var messages: [WorkerMessage] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A stand-in worker: a shell script behaving like a crashing, hanging or failing transcode. It runs as
/// `/bin/sh SCRIPT ...` rather than being exec'd itself: a script written while a parallel test forks can be
/// briefly held open by that child, and exec'ing it would fail with ETXTBSY.
private func script(_ dir: TempDirectory, _ name: String, _ body: String) throws -> String {
    try dir.write(name, body + "\n")
}

private func shell(timeout: Duration) -> TranscodeWorker {
    TranscodeWorker(executable: "/bin/sh", timeout: timeout)
}

private let progressLine = #"{"stage":"transcoding","percent":12.5,"fps":30,"speed":1.2,"eta_seconds":40}"#

@Suite("transcode worker supervision")
struct TranscodeWorkerTests {
    @Test func crashIsReportedBySignal() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let crasher = try script(dir, "crash.sh", "echo '\(progressLine)'\nkill -SEGV $$")
        let reports = Reports()
        let worker = shell(timeout: .seconds(60))
        let error = await #expect(throws: WorkerFailure.self) {
            try await worker.run(arguments: [crasher]) { reports.add($0) }
        }
        #expect(error?.description == "worker killed by signal 11")
        #expect(
            reports.all == [TranscodeProgress(stage: "transcoding", percent: 12.5, fps: 30, speed: 1.2, etaSeconds: 40)]
        )
    }

    /// The hung worker leaves a grandchild holding the pipes; killing the process group still ends the job.
    @Test(.timeLimit(.minutes(1))) func hangIsKilledAtTheTimeout() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let hanger = try script(dir, "hang.sh", "echo '\(progressLine)'\nsleep 300\necho never")
        var worker = shell(timeout: .seconds(1))
        worker.killGrace = .milliseconds(200)
        let reports = Reports()
        let error = await #expect(throws: WorkerFailure.self) {
            try await worker.run(arguments: [hanger]) { reports.add($0) }
        }
        #expect(error?.description == "timed out after 1s")
        #expect(reports.all.count == 1)
    }

    /// A worker's pipes are closed when it ends, not when its time limit would have passed: 1,000 files dropped at
    /// once held two descriptors per job for ten minutes (2,048 at the peak). The worker names its own stdout and
    /// stderr pipes (their inodes, which this process's ends share); once `run` returns, no descriptor of this
    /// process may still point at them. Other suites open and close descriptors meanwhile: counting them would not do.
    @Test func aFinishedWorkerLeavesNoDescriptorOpen() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let naming = try script(
            dir,
            "pipes.sh",
            "echo \"$(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)\" >&2\nexit 1"
        )
        let worker = shell(timeout: .seconds(3600))
        for _ in 0..<5 {
            let error = await #expect(throws: WorkerFailure.self) {
                try await worker.run(arguments: [naming]) { _ in }
            }
            guard case .exited(_, let reason) = error else {
                Issue.record("\(String(describing: error))")
                return
            }
            let pipes = Set(reason.split(separator: " ").map(String.init))
            #expect(pipes.count == 2 && pipes.allSatisfy { $0.hasPrefix("pipe:[") }, "\(reason)")
            let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)
            }
            #expect(open.filter(pipes.contains).isEmpty, "still open after the worker ended: \(pipes)")
        }
    }

    @Test func failureReasonIsTheLastStderrLine() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let failing = try script(dir, "fail.sh", "echo 'not a video file' >&2\nexit 1")
        let error = await #expect(throws: WorkerFailure.self) {
            try await shell(timeout: .seconds(60)).run(arguments: [failing]) { _ in }
        }
        #expect(error?.description == "not a video file")
    }

    @Test func successPassesEveryProgressLineAndTheArguments() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let ok = try script(
            dir,
            "ok.sh",
            """
            [ "$1" = transcode ] && [ "$3" = --out ] || exit 3
            for p in 10 50 100; do echo "{\\"stage\\":\\"transcoding\\",\\"percent\\":$p,\\"fps\\":1,\\"speed\\":1}"; done
            echo 'not json'
            """
        )
        let reports = Reports()
        let arguments = TranscodeWorker.transcodeArguments(input: "/in.mp4", output: "/out", profile: "p", config: nil)
        try await shell(timeout: .seconds(60)).run(arguments: [ok] + arguments) { reports.add($0) }
        #expect(reports.all.map(\.percent) == [10, 50, 100])
    }

    @Test func missingExecutableIsAFailure() async throws {
        let error = await #expect(throws: WorkerFailure.self) {
            try await TranscodeWorker(executable: "/nonexistent/reel-ingest", timeout: .seconds(1)).run(arguments: []) {
                _ in
            }
        }
        #expect(error?.description.hasPrefix("cannot start /nonexistent/reel-ingest") == true)
    }

    /// The real thing: `reel-ingest transcode` on a generated clip, supervised.
    @Test func supervisesARealTranscode() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = dir.path + "/clip.mp4"
        _ = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1",
                "-c:v", "libx264", clip,
            ]
        )
        let worker = TranscodeWorker(executable: TestBinaries.path(named: "reel-ingest"), timeout: .seconds(120))
        let reports = Reports()
        let arguments = TranscodeWorker.transcodeArguments(
            input: clip,
            output: dir.path + "/out",
            profile: "default",
            config: try dir.write("agent.toml", "")
        )
        try await worker.run(arguments: arguments) { reports.add($0) }
        #expect(reports.all.last?.stage == "done")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/out/video.json"))

        // Every output is announced exactly once, with its final size, and before the manifests that name it.
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let manifest = try decoder.decode(
            VideoManifest.self,
            from: Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/video.json"))
        )
        let announced = reports.files
        #expect(announced.map(\.path).sorted() == (manifest.allFiles.map(\.path) + ["video.json"]).sorted())
        for file in announced where file.path != "video.json" {
            let expected = manifest.allFiles.first { $0.path == file.path }?.bytes
            #expect(file.bytes == expected, "\(file.path)")
        }
        let order = announced.map(\.path)
        let lastSegment = order.lastIndex { $0.hasSuffix(".m4s") } ?? order.count
        let firstPlaylist = order.firstIndex { $0.hasSuffix(".m3u8") || $0.hasSuffix(".mpd") } ?? -1
        #expect(lastSegment < firstPlaylist)
        #expect(order.last == "video.json")
    }

    /// The real worker with its output on a 256 KiB tmpfs: it says by its exit status that the disk is full, so the
    /// agent lets the job wait for room instead of counting a failed attempt (the message is libav's or ours).
    @Test(.timeLimit(.minutes(1))) func aFullOutputDiskIsReportedAsSuch() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = dir.path + "/clip.mp4"
        _ = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=3",
                "-vf", "noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast", clip,
            ]
        )
        let out = try dir.mkdir("out")
        let mounted = try await runProcessAsync("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", out])
        try #require(mounted.status == 0, "mount a small tmpfs (the tests run as root): \(mounted.stderr)")
        defer { _ = try? runProcess("/bin/umount", ["--lazy", out]) }
        let worker = TranscodeWorker(executable: TestBinaries.path(named: "reel-ingest"), timeout: .seconds(60))
        let arguments = TranscodeWorker.transcodeArguments(
            input: clip,
            output: out,
            profile: "default",
            config: try dir.write("agent.toml", "")
        )
        let error = await #expect(throws: WorkerFailure.self) {
            try await worker.run(arguments: arguments) { _ in }
        }
        guard case .outOfSpace(let reason) = error else {
            Issue.record("not reported as a full disk: \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
    }
}
