import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// `reel-ingest agents`, drain, quarantine and release against the real daemon: an agent whose jobs keep failing
/// quarantines itself (also across a restart) until released; a drained agent claims nothing new until it restarts.
@Suite("end to end: agents, drain and quarantine", .serialized)
struct AgentsTests {
    struct Listed: Decodable {
        var name: String
        var state: String
        var running: Int
        var reason: String?
    }

    @Test func quarantineHoldsUntilReleasedAndDrainUntilRestart() async throws {
        let servers = try Servers.require()
        var world = try TestWorld("agents", servers: servers)
        defer { world.remove() }
        let goodEndpoint = world.endpoint
        // Nothing listens on the discard port: every upload fails at once.
        world.endpoint = "http://127.0.0.1:9"
        world.extraAgent = """
            name = "solo"
            quarantine_after = 2

            [database]
            lease = "4s"
            """
        world.maxAttempts = 5
        try world.writeConfig()
        let inbox = try world.watch("in")
        let a = try await Clips.h264(world.dir.path + "/a.mp4", seconds: 2, size: "320x180")
        let b = try await Clips.h264(world.dir.path + "/b.mp4", seconds: 3, size: "320x180")

        var agent = try world.startAgent()
        do {
            _ = try await agent.waitForLine(containing: "watching folder")
            #expect(try await Self.list(world).map(\.state) == ["active"])
            try world.drop(a, into: inbox)
            try world.drop(b, into: inbox)
            _ = try await agent.waitForLine(containing: "quarantined: claiming nothing", timeout: .seconds(180))
            let listed = try #require(try await Self.list(world).first)
            #expect(listed.state == "quarantined")
            #expect(listed.reason?.contains("the last 2 jobs failed") == true, "\(listed)")
            #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)

            // A restart keeps the quarantine: the failed jobs become due again but nobody claims them.
            world.endpoint = goodEndpoint
            try world.writeConfig()
            agent = try world.startAgent()
            _ = try await agent.waitForLine(containing: "quarantined: claiming nothing")
            let store = try world.database()
            try await Self.waitForJobs(store, "both jobs queued again") { jobs in
                jobs.count == 2 && jobs.allSatisfy { $0.state == .stable }
            }
            let heartbeats = agent.log.split(separator: "\n").count
            // Three heartbeats (a quarter of the 4 s lease each) later, still nobody has claimed them.
            try await Task.sleep(for: .seconds(3))
            #expect(try await store.jobs(limit: 10).allSatisfy { $0.state == .stable && $0.claimedBy == nil })
            #expect(!agent.log.split(separator: "\n").dropFirst(heartbeats).contains { $0.contains("worker started") })

            let released = try await Self.cli(world, ["agents", "release", "solo"])
            #expect(released.contains("solo: active"))
            _ = try await agent.waitForLine(containing: "released: claiming jobs again")
            try await Self.waitForJobs(store, "both jobs published after the release") { jobs in
                jobs.count == 2 && jobs.allSatisfy { $0.state == .published }
            }

            // Drained: a new file waits; the agent says when it can be stopped; a restart claims again.
            _ = try await Self.cli(world, ["agents", "drain", "solo", "--reason", "upgrade"])
            _ = try await agent.waitForLine(containing: "drained: nothing runs any more")
            let drained = try #require(try await Self.list(world).first)
            #expect(drained.state == "draining" && drained.reason == "upgrade" && drained.running == 0)
            try world.drop(try await Clips.h264(world.dir.path + "/c.mp4", seconds: 4, size: "320x180"), into: inbox)
            try await Self.waitForJobs(store, "the new file queued") { jobs in
                jobs.count == 3 && jobs.contains { $0.sourcePath == "c.mp4" && $0.state == .stable }
            }
            #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)
            #expect(try await Self.list(world).map(\.state) == ["gone"], "a clean stop shows at once")
            agent = try world.startAgent()
            try await Self.waitForJobs(store, "the new file published after the restart") { jobs in
                jobs.count == 3 && jobs.allSatisfy { $0.state == .published }
            }
            #expect(try await Self.list(world).map(\.state) == ["active"])
            let unknown = try await runProcessAsync(
                TestBinaries.reelIngest,
                ["agents", "drain", "nobody", "--config", world.config]
            )
            #expect(unknown.status != 0 && unknown.stderr.contains("no agent named \"nobody\" (known: solo)"))
        } catch {
            _ = await agent.exit(after: SIGKILL, timeout: .seconds(10))
            throw error
        }
        _ = await agent.exit(after: SIGTERM, timeout: .seconds(30))
    }

    static func cli(_ world: TestWorld, _ arguments: [String]) async throws -> String {
        let result = try await runProcessAsync(TestBinaries.reelIngest, arguments + ["--config", world.config])
        guard result.status == 0 else { throw CommandFailed(command: arguments.joined(separator: " "), result: result) }
        return result.stdout
    }

    static func list(_ world: TestWorld) async throws -> [Listed] {
        try JSONDecoder().decode([Listed].self, from: Data(try await cli(world, ["agents", "--json"]).utf8))
    }

    /// Looks at the store until `condition` holds, at most 120 s (every 200 ms: the agent's writes are not announced
    /// to this process).
    static func waitForJobs(_ store: SQLiteStore, _ what: String, until condition: ([JobRecord]) -> Bool)
        async throws
    {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let jobs = try await store.jobs(limit: 100)
            if condition(jobs) { return }
            guard ContinuousClock.now < deadline else {
                throw WaitFailed(
                    what: what,
                    detail: jobs.map { "\($0.sourcePath) \($0.state)" }.joined(separator: "\n")
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
