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
            max_file_size = "1KiB"
            """
        )
        let first = try dir.mkdir("first")
        let second = try dir.mkdir("second")
        try dir.write("watches.d/first.toml", "path = \"\(first)\"\n")

        let agent = try AgentProcess(arguments: ["run", "--config", config])
        _ = try await agent.waitForLine(containing: "reel-ingest agent started")

        try dir.write("first/take 1.mp4", "frames")
        try dir.write("first/skip.mp4.part", "partial")
        let recorded = try await agent.waitForLine(containing: "take 1.mp4")
        #expect(recorded.contains("recorded"))

        try dir.write("first/huge.mp4", String(repeating: "x", count: 4096))
        let rejected = try await agent.waitForLine(containing: "huge.mp4")
        #expect(rejected.contains("file too large"))

        // A new drop-in takes effect on SIGHUP without a restart.
        try dir.write("watches.d/second.toml", "path = \"\(second)\"\n")
        agent.signal(SIGHUP)
        _ = try await agent.waitForLine(containing: "configuration reloaded")
        try dir.write("second/take 2.mov", "frames")
        _ = try await agent.waitForLine(containing: "take 2.mov")

        // A broken drop-in on reload is reported and the agent keeps running.
        try dir.write("watches.d/broken.toml", "path = 5\n")
        agent.signal(SIGHUP)
        let refused = try await agent.waitForLine(containing: "configuration not reloaded")
        #expect(refused.contains("broken.toml"))

        #expect(agent.stop() == 0)
        #expect(agent.log.contains("reel-ingest agent stopped"))

        let db = try IngestDatabase(path: dir.path + "/state/reel-ingest.sqlite")
        let jobs = try await db.jobs(limit: 10)
        #expect(jobs.count == 3)
        let byName = Dictionary(
            uniqueKeysWithValues: jobs.map { (URL(fileURLWithPath: $0.sourcePath).lastPathComponent, $0) }
        )
        #expect(byName["take 1.mp4"]?.state == .stable)
        #expect(byName["take 2.mov"]?.watchName == "second")
        #expect(byName["huge.mp4"]?.state == .rejected)
        #expect(byName["skip.mp4.part"] == nil)
    }

    @Test func restartDoesNotRecordTheSameFileTwice() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            "[agent]\nstate_dir = \"state\"\nscratch_dir = \"scratch\"\n[limits]\nsettle_time = \"200ms\"\npoll_interval = \"100ms\"\n"
        )
        let inbox = try dir.mkdir("inbox")
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
        try dir.write("inbox/a.mp4", "frames")
        for round in 1...2 {
            let agent = try AgentProcess(arguments: ["run", "--config", config])
            if round == 1 {
                _ = try await agent.waitForLine(containing: "a.mp4")
            } else {
                try dir.write("inbox/b.mp4", "frames")
                _ = try await agent.waitForLine(containing: "b.mp4")
            }
            #expect(agent.stop() == 0)
        }
        let jobs = try await IngestDatabase(path: dir.path + "/state/reel-ingest.sqlite").jobs(limit: 10)
        #expect(jobs.map { URL(fileURLWithPath: $0.sourcePath).lastPathComponent }.sorted() == ["a.mp4", "b.mp4"])
    }
}
