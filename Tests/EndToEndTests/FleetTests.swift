import Foundation
import IngestCore
import IngestStore
import Synchronization
import TestSupport
import Testing

/// Two real agents, each with its own state and scratch, watching one folder (each under a path of its own, as two
/// machines mount one share), publishing into one bucket folder and coordinated by one PostgreSQL database only.
@Suite("end to end: two agents on one PostgreSQL", .serialized)
struct FleetTests {
    @Test func twoAgentsPublishEachContentOnceAndRescueADeadAgentsJob() async throws {
        let servers = try Servers.require()
        try await TestPostgres.withFreshDatabase { place in
            var first = try TestWorld("fleet", servers: servers)
            var second = try TestWorld("fleet", servers: servers)
            defer {
                first.remove()
                second.remove()
            }
            second.prefix = first.prefix
            let shared = try first.dir.mkdir("shared")
            // The second agent's mount of the share: another path to the same folder.
            let mountedByB = first.dir.path + "/mount-b"
            try FileManager.default.createSymbolicLink(atPath: mountedByB, withDestinationPath: shared)
            var url = place
            url.password = nil
            for (index, name) in ["agent-a", "agent-b"].enumerated() {
                var world = index == 0 ? first : second
                world.extraAgent = """
                    name = "\(name)"

                    [api]
                    listen = "127.0.0.1:0"

                    [database]
                    url = "\(url)"
                    lease = "8s"
                    """
                world.environment = ["PGPASSWORD": place.password ?? ""]
                try world.writeConfig()
                try world.dir.write("watches.d/shared.toml", "path = \"\(index == 0 ? shared : mountedByB)\"\n")
                if index == 0 { first = world } else { second = world }
            }

            // Four distinct recordings and two byte-identical copies under other names.
            var clips: [String] = []
            for (n, seconds) in [3, 4, 5, 6].enumerated() {
                clips.append(try await Clips.h264(first.dir.path + "/clip-\(n).mp4", seconds: seconds, size: "320x180"))
            }
            let a = try first.startAgent()
            let b = try second.startAgent()
            let agents = Agents([a, b])
            do {
                try await Self.exercise(first, a, b, agents: agents, shared: shared, clips: clips, place: place)
            } catch {
                await agents.shutDown()
                throw error
            }
            await agents.shutDown()
        }
    }

    private static func exercise(
        _ first: TestWorld,
        _ a: LineProcess,
        _ b: LineProcess,
        agents: Agents,
        shared: String,
        clips: [String],
        place: PostgresLocation
    ) async throws {
        _ = try await a.waitForLine(containing: "watching folder", timeout: .seconds(60))
        _ = try await b.waitForLine(containing: "watching folder", timeout: .seconds(60))
        for clip in clips { try first.drop(clip, into: shared) }
        try first.drop(clips[0], into: shared, as: "copy-of-0.mp4")
        try first.drop(clips[1], into: shared, as: "copy-of-1.mp4")

        try await PostgresStore.withStore(place, logger: TestPostgres.logger) { store in
            let jobs = try await waitForFleet(store, [a, b], "six jobs settled") { jobs in
                jobs.count == 6 && jobs.allSatisfy { $0.state.isTerminal }
            }
            let published = jobs.filter { $0.state == .published }
            #expect(published.count == 4, "\(jobs.map { "\($0.sourcePath) \($0.state.rawValue)" })")
            #expect(Set(published.map(\.videoId)).count == 4, "each content published once")
            let duplicates = jobs.filter { $0.state == .duplicate }
            #expect(duplicates.count == 2)
            for duplicate in duplicates {
                let original = published.first { $0.id == duplicate.duplicateOf }
                #expect(original?.videoId == duplicate.videoId, "a copy links to its content's published job")
            }
            #expect(jobs.allSatisfy { $0.claimedBy == nil }, "no claim outlives its job")
            for job in published {
                let events = try await store.stages(ofJob: try #require(job.id)).map(\.event)
                #expect(events.filter { $0 == "published" }.count == 1)
            }
            #expect(
                published.allSatisfy { $0.lastError == nil },
                "no agent ran into the other's work: \(published.compactMap(\.lastError))"
            )
            try await Self.expectBucketHoldsExactly(first, videos: published.map(\.videoId))
            for agent in [a, b] {
                #expect(
                    agent.log.contains("storage honours conditional writes"),
                    "moto answers 412: video.json is conditional"
                )
            }

            // An agent killed mid-transcode: its lease runs out and the other agent finishes the job.
            b.signal(SIGSTOP)
            let long = try await Clips.long(first.dir.path + "/long.mp4", seconds: 30, bitrate: "2M")
            let seen = a.log.split(separator: "\n").count
            try first.drop(long, into: shared)
            try await a.waitUntil(timeout: .seconds(120)) { lines in
                lines.dropFirst(seen).contains { $0.contains("[IngestAgent] worker started") }
            }
            b.signal(SIGCONT)
            a.signal(SIGKILL)
            _ = await a.waitForExit()
            let all = try await waitForFleet(store, [b], "the dead agent's job published by the other") {
                jobs in
                jobs.count == 7 && jobs.allSatisfy { $0.state.isTerminal }
            }
            let rescued = try #require(all.first { $0.sourcePath == "long.mp4" })
            #expect(rescued.state == .published)
            #expect(rescued.revisionBy == "agent-b", "the surviving agent published a revision of its own")
            #expect(
                b.log.split(separator: "\n").contains {
                    $0.contains("[IngestAgent] published") && $0.contains("/mount-b/long.mp4")
                },
                "the second agent opened the file under its own mount"
            )
            let stages = try await store.stages(ofJob: try #require(rescued.id))
            #expect(stages.contains { $0.message == "lease expired on agent agent-a" }, "\(stages.map(\.message))")
            #expect(stages.filter { $0.event == "published" }.count == 1)
            try await Self.expectBucketHoldsExactly(first, videos: (published + [rescued]).map(\.videoId))

            // An agent paused past its lease mid-transcode: the other takes the job over; once it runs again,
            // its heartbeat finds the job gone, it kills its worker and removes what it had uploaded.
            let restarted = try first.startAgent()
            agents.add(restarted)
            _ = try await restarted.waitForLine(containing: "watching folder", timeout: .seconds(60))
            restarted.signal(SIGSTOP)
            let paused = try await Clips.long(first.dir.path + "/paused.mp4", seconds: 32, bitrate: "2M")
            try first.drop(paused, into: shared)
            // Far enough that segments were uploaded while encoding.
            _ = try await waitForFleet(store, [b], "the clip half transcoded by the second agent") { jobs in
                jobs.contains {
                    $0.sourcePath == "paused.mp4" && $0.state == .transcoding && ($0.progress ?? 0) >= 40
                }
            }
            b.signal(SIGSTOP)
            restarted.signal(SIGCONT)
            let afterTakeOver = try await waitForFleet(store, [restarted], "the paused agent's job taken over") {
                jobs in jobs.count == 8 && jobs.allSatisfy { $0.state.isTerminal }
            }
            b.signal(SIGCONT)
            _ = try await b.waitForLine(containing: "lease lost; dropped the job", timeout: .seconds(60))
            let takenOver = try #require(afterTakeOver.first { $0.sourcePath == "paused.mp4" })
            #expect(takenOver.state == .published && takenOver.revisionBy == "agent-a")
            let history = try await store.stages(ofJob: try #require(takenOver.id))
            #expect(history.contains { $0.message == "lease expired on agent agent-b" })
            #expect(history.filter { $0.event == "published" }.count == 1)
            let videos = (published + [rescued, takenOver]).map(\.videoId)
            try await Self.eventuallyBucketHoldsExactly(first, videos: videos, log: b.log)
        }
    }

    /// `expectBucketHoldsExactly` once the paused agent's clean-up is done (it logs nothing when it had stored
    /// nothing): the bucket is listed again until it matches, for at most 30 s.
    private static func eventuallyBucketHoldsExactly(_ world: TestWorld, videos: [String], log: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var expected: Set<String> = []
        for id in videos {
            let video = try await world.publishedVideo(id)
            let folder = "\(world.prefix)/videos/\(id)"
            expected.formUnion(video.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
        }
        var stored = Set(try await world.servers.keys(under: world.prefix))
        while stored != expected && ContinuousClock.now < deadline {
            stored = Set(try await world.servers.keys(under: world.prefix))
        }
        #expect(
            stored == expected,
            """
            extra: \(stored.subtracting(expected).sorted()) missing: \(expected.subtracting(stored).sorted())
            paused agent's log:
            \(log.suffix(20000))
            """
        )
    }

    /// Every object under the fleet's prefix is named by one of the videos' `video.json`, and every file they name
    /// is there.
    private static func expectBucketHoldsExactly(_ world: TestWorld, videos: [String]) async throws {
        var expected: Set<String> = []
        for id in videos {
            let video = try await world.publishedVideo(id)
            let folder = "\(world.prefix)/videos/\(id)"
            expected.formUnion(video.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
        }
        let stored = Set(try await world.servers.keys(under: world.prefix))
        #expect(
            stored == expected,
            "extra: \(stored.subtracting(expected).sorted()) missing: \(expected.subtracting(stored).sorted())"
        )
    }
}

/// The agents a test started, stopped at its end whatever happened: continued first (a stopped process never acts on
/// SIGTERM), killed when they do not exit within 20 s, so a failing test never hangs on them.
final class Agents: Sendable {
    private let list: Mutex<[LineProcess]>

    init(_ agents: [LineProcess]) { list = Mutex(agents) }

    func add(_ agent: LineProcess) { list.withLock { $0.append(agent) } }

    var all: [LineProcess] { list.withLock { $0 } }

    func shutDown() async {
        for agent in list.withLock({ $0 }) {
            agent.signal(SIGCONT)
            if await agent.exit(after: SIGTERM, timeout: .seconds(20)) == nil {
                agent.signal(SIGKILL)
                _ = await agent.waitForExit()
            }
        }
    }
}

/// Waits for `condition` on the shared store, looking again whenever a running agent logs a line (each state change
/// logs one), at least every second.
func waitForFleet(
    _ store: any JobStore,
    _ agents: [LineProcess],
    timeout: Duration = .seconds(240),
    _ what: String,
    until condition: @escaping @Sendable ([JobRecord]) -> Bool
) async throws -> [JobRecord] {
    let deadline = ContinuousClock.now + timeout
    while true {
        let jobs = try await store.jobs(limit: 1000)
        if condition(jobs) { return jobs }
        guard ContinuousClock.now < deadline else {
            let states = jobs.map { "job \($0.id ?? 0) \($0.sourcePath) \($0.state.rawValue) \($0.lastError ?? "")" }
            let logs = agents.enumerated().map { "agent \($0.offset):\n\($0.element.log.suffix(20000))" }
            throw WaitFailed(what: what, detail: states.joined(separator: "\n") + "\n" + logs.joined(separator: "\n"))
        }
        if let running = agents.first(where: \.isRunning) {
            let seen = running.log.split(separator: "\n").count
            _ = try? await running.waitForLine(afterLine: seen, timeout: .seconds(1))
        } else {
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
