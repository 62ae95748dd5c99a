import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

@Suite("reel-ingest run")
struct RunCommandTests {
    @Test func recordsSettledFilesReloadsOnHangupAndStopsOnTerm() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            """
            [agent]
            state_dir = "state"
            scratch_dir = "scratch"
            [limits]
            settle_time = "300ms"
            poll_interval = "100ms"
            max_file_size = "200KiB"
            [storage]
            url = "file:published"
            """
        )
        let first = try dir.mkdir("first")
        let second = try dir.mkdir("second")
        try dir.write("watches.d/first.toml", "path = \"\(first)\"\n")

        let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", config])
        _ = try await agent.waitForLine(containing: "reel-ingest agent started")

        // Real clips, made outside the watched folders and moved in whole: the agent probes what it records.
        try await Self.makeClip(dir.path + "/take 1.mp4", seconds: 1)
        try await Self.makeClip(dir.path + "/take 2.mov", seconds: 2)
        try FileManager.default.moveItem(atPath: dir.path + "/take 1.mp4", toPath: first + "/take 1.mp4")
        try dir.write("first/skip.mp4.part", "partial")
        let recorded = try await agent.waitForLine(containing: "take 1.mp4")
        #expect(recorded.contains("recorded"))

        try dir.write("first/notes.mp4", "a text file with a video name")
        let notVideo = try await agent.waitForLine(containing: "notes.mp4")
        #expect(notVideo.contains("not a video file"))
        #expect(FileManager.default.fileExists(atPath: first + "/notes.mp4.error.txt"))

        try dir.write("first/huge.mp4", String(repeating: "x", count: 300 * 1024))
        let rejected = try await agent.waitForLine(containing: "huge.mp4")
        #expect(rejected.contains("file too large"))

        // A new drop-in takes effect on SIGHUP without a restart.
        try dir.write("watches.d/second.toml", "path = \"\(second)\"\n")
        agent.signal(SIGHUP)
        _ = try await agent.waitForLine(containing: "configuration reloaded")
        try FileManager.default.moveItem(atPath: dir.path + "/take 2.mov", toPath: second + "/take 2.mov")
        #expect(try await agent.waitForLine(containing: "take 2.mov").contains("recorded"))

        // A broken drop-in on reload is reported and the agent keeps running.
        try dir.write("watches.d/broken.toml", "path = 5\n")
        agent.signal(SIGHUP)
        let refused = try await agent.waitForLine(containing: "configuration not reloaded")
        #expect(refused.contains("broken.toml"))

        // A reload that moves the store is recorded, and the admin is told it takes a restart: the running
        // pipeline keeps publishing where it started (checked below).
        try FileManager.default.removeItem(atPath: dir.path + "/watches.d/broken.toml")
        let original = try String(contentsOfFile: config, encoding: .utf8)
        try dir.write("agent.toml", original.replacingOccurrences(of: "file:published", with: "file:elsewhere"))
        agent.signal(SIGHUP)
        let restart = try await agent.waitForLine(containing: "need a restart")
        #expect(restart.contains("[storage]"))
        #expect(!restart.contains("[api]"))

        // The recorded clips go all the way: transcoded and published into the file store.
        let published = try await agent.waitForLine(
            containingAll: ["take 1.mp4", "[IngestAgent] published"],
            timeout: .seconds(120)
        )
        #expect(published.contains(dir.path + "/published/videos/"))
        _ = try await agent.waitForLine(
            containingAll: ["take 2.mov", "[IngestAgent] published"],
            timeout: .seconds(120)
        )

        #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)
        #expect(agent.log.contains("reel-ingest agent stopped"))

        let db = try SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite")
        let jobs = try await db.jobs(limit: 10)
        #expect(jobs.count == 4)
        let byName = Dictionary(
            uniqueKeysWithValues: jobs.map { (URL(fileURLWithPath: $0.sourcePath).lastPathComponent, $0) }
        )
        #expect(byName["take 1.mp4"]?.state == .published)
        #expect(byName["take 2.mov"]?.state == .published)
        #expect(byName["take 2.mov"]?.watchName == "second")
        #expect(byName["huge.mp4"]?.state == .rejected)
        #expect(byName["notes.mp4"]?.lastError == "not a video file")
        #expect(byName["skip.mp4.part"] == nil)
    }

    @Test func dropInChangesApplyWithoutSighupAndWatchListShowsModes() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            "[agent]\nstate_dir = \"state\"\nscratch_dir = \"scratch\"\n[limits]\nsettle_time = \"200ms\"\npoll_interval = \"100ms\"\n[storage]\nurl = \"file:published\"\n"
        )
        let inbox = try dir.mkdir("inbox")
        let polled = try dir.mkdir("polled")
        let third = try dir.mkdir("third")
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
        try dir.write("watches.d/polled.toml", "path = \"\(polled)\"\nmode = \"poll\"\n")
        let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", config])
        _ = try await agent.waitForLine(containing: #"mode="poll (forced)""#)
        _ = try await agent.waitForLine(containing: "mode=inotify")

        let live = try await CLI.run(["watch", "list", "--json", "--config", config])
        let entries = try #require(try live.json() as? [[String: Any]])
        let modes = Dictionary(
            uniqueKeysWithValues: entries.map { ($0["name"] as? String ?? "", $0["mode"] as? String) }
        )
        #expect(modes == ["inbox": "inotify", "polled": "poll (forced)"])
        #expect(entries.allSatisfy { $0["live"] as? Bool == true })
        let table = try await CLI.run(["watch", "list", "--config", config])
        #expect(table.stdout.contains("inotify watches in use of fs.inotify.max_user_watches"))

        // A new drop-in is picked up without SIGHUP.
        try dir.write("watches.d/third.toml", "path = \"\(third)\"\n")
        let reloaded = try await agent.waitForLine(containing: "configuration reloaded")
        #expect(reloaded.contains("watches.d changed"))
        try await Self.makeClip(dir.path + "/clip.mp4", seconds: 1)
        try FileManager.default.moveItem(atPath: dir.path + "/clip.mp4", toPath: third + "/clip.mp4")
        #expect(try await agent.waitForLine(containing: "clip.mp4").contains("recorded"))
        #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)

        let stopped = try #require(
            try await CLI.run(["watch", "list", "--json", "--config", config]).json() as? [[String: Any]]
        )
        #expect(stopped.allSatisfy { $0["live"] as? Bool == false })
        #expect(stopped.first { $0["name"] as? String == "third" }?["mode"] as? String == "inotify")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")))
    func runningOutOfInotifyWatchesFallsBackToPolling() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            "[agent]\nstate_dir = \"state\"\nscratch_dir = \"scratch\"\n[limits]\nsettle_time = \"200ms\"\npoll_interval = \"100ms\"\n[storage]\nurl = \"file:published\"\n"
        )
        let inbox = try dir.mkdir("inbox")
        for i in 0..<10 { _ = try dir.mkdir("inbox/line \(i)/camera") }
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
        // A user namespace of its own gets its own inotify limit (Linux ≥ 5.11): 5 watches for 21 folders,
        // without touching the host's fs.inotify.max_user_watches.
        let agent = try LineProcess(
            "/usr/bin/unshare",
            [
                "-Ur", "sh", "-c",
                "echo 5 > /proc/sys/user/max_inotify_watches && exec \"$0\" run --config \"$1\"",
                TestBinaries.reelIngest, config,
            ]
        )
        let limit = try await agent.waitForLine(containing: "inotify watch limit reached")
        #expect(limit.contains("fs.inotify.max_user_watches"))
        _ = try await agent.waitForLine(containing: #"mode="poll (inotify watch limit)""#)
        try await Self.makeClip(dir.path + "/clip.mp4", seconds: 1)
        try FileManager.default.moveItem(atPath: dir.path + "/clip.mp4", toPath: inbox + "/line 7/camera/clip.mp4")
        #expect(try await agent.waitForLine(containing: "clip.mp4").contains("recorded"))
        #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)
    }

    /// A short test pattern made by the ffmpeg CLI, the independent producer of test media.
    static func makeClip(_ path: String, seconds: Int) async throws {
        let result = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", "testsrc=size=160x120:rate=10:duration=\(seconds)", "-pix_fmt", "yuv420p", "-f", "mp4", path,
            ]
        )
        #expect(result.status == 0)
    }

    @Test func restartDoesNotRecordTheSameFileTwice() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            "[agent]\nstate_dir = \"state\"\nscratch_dir = \"scratch\"\n[limits]\nsettle_time = \"200ms\"\npoll_interval = \"100ms\"\n[storage]\nurl = \"file:published\"\n"
        )
        let inbox = try dir.mkdir("inbox")
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
        try dir.write("inbox/a.mp4", "frames")
        for round in 1...2 {
            let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", config])
            if round == 1 {
                _ = try await agent.waitForLine(containing: "a.mp4")
            } else {
                try dir.write("inbox/b.mp4", "frames")
                _ = try await agent.waitForLine(containing: "b.mp4")
            }
            #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)
        }
        let jobs = try await SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite").jobs(limit: 10)
        #expect(jobs.map { URL(fileURLWithPath: $0.sourcePath).lastPathComponent }.sorted() == ["a.mp4", "b.mp4"])
    }
}
