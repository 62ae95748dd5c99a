import Foundation
import IngestCore
import IngestStore
import Synchronization
import TestSupport
import Testing

/// Three real agents (own state, own scratch, each reaching PostgreSQL through a TCP proxy of its own and the shared
/// folder through a path of its own) on one database and one bucket folder, while one agent is killed mid-transcode,
/// one is frozen past its lease, one is cut off from the database for longer than its lease, and one is behind a
/// black hole (its proxy frozen: nothing answered, nothing refused) for longer than its lease.
@Suite("end to end: three agents through kill -9, a freeze and a cut", .serialized)
struct FleetChaosTests {
    static let names = ["agent-a", "agent-b", "agent-c"]

    @Test func everyContentIsPublishedOnceWhateverHappensToTheAgents() async throws {
        let servers = try Servers.require()
        try await TestPostgres.withFreshDatabase { place in
            var worlds = try Self.names.map { _ in try TestWorld("chaos", servers: servers) }
            defer { for world in worlds { world.remove() } }
            let shared = try worlds[0].dir.mkdir("shared")
            var proxies: [TCPProxy] = []
            defer { for proxy in proxies { proxy.stop() } }
            for (index, name) in Self.names.enumerated() {
                var world = worlds[index]
                world.prefix = worlds[0].prefix
                let mount = world.dir.path + "/mount"
                try FileManager.default.createSymbolicLink(atPath: mount, withDestinationPath: shared)
                let proxy = try await TCPProxy.start(port: try await freePort(), upstream: place)
                proxies.append(proxy)
                try world.joinFleet(as: name, database: place, through: proxy.port, sharedFolder: mount)
                worlds[index] = world
            }
            let clipsDir = try worlds[0].dir.mkdir("clips")
            var clips: [String] = []
            for n in 0..<20 {
                clips.append(
                    try await Clips.h264(clipsDir + "/take-\(n).mp4", seconds: 2 + n % 3, size: "\(160 + 16 * n)x90")
                )
            }
            let agents = Agents(try worlds.map { try $0.startAgent() })
            do {
                try await Self.exercise(worlds, agents: agents, proxies: proxies, shared: shared, clips: clips, place)
            } catch {
                await agents.shutDown()
                throw error
            }
            await agents.shutDown()
        }
    }

    private static func exercise(
        _ worlds: [TestWorld],
        agents: Agents,
        proxies: [TCPProxy],
        shared: String,
        clips: [String],
        _ place: PostgresLocation
    ) async throws {
        let processes = agents.all
        for agent in processes { _ = try await agent.waitForLine(containing: "watching folder", timeout: .seconds(60)) }
        let world = worlds[0]
        for clip in clips { try world.drop(clip, into: shared) }
        for n in 0..<4 { try world.drop(clips[n * 5], into: shared, as: "copy-of-\(n * 5).mp4") }

        try await PostgresStore.withStore(place, logger: TestPostgres.logger) { store in
            @Sendable func agentIndex(_ name: String?) -> Int? { name.flatMap { Self.names.firstIndex(of: $0) } }
            func transcodingLong(_ file: String, on allowed: Set<Int>) async throws -> Int {
                let jobs = try await waitForFleet(store, processes, "\(file) transcoding") { jobs in
                    jobs.contains {
                        $0.sourcePath == file && $0.state == .transcoding && ($0.progress ?? 0) >= 5
                            && agentIndex($0.claimedBy).map(allowed.contains) == true
                    }
                }
                let job = try #require(jobs.first { $0.sourcePath == file && $0.state == .transcoding })
                return try #require(agentIndex(job.claimedBy))
            }
            var live: Set<Int> = [0, 1, 2]

            // kill -9 mid-transcode.
            try world.drop(
                try await Clips.long(world.dir.path + "/long-1.mp4", seconds: 22, bitrate: "2M"),
                into: shared
            )
            let killed = try await transcodingLong("long-1.mp4", on: live)
            processes[killed].signal(SIGKILL)
            _ = await processes[killed].waitForExit()
            live.remove(killed)

            // Frozen past the lease: another agent takes the job over; once thawed, the frozen one drops it.
            try world.drop(
                try await Clips.long(world.dir.path + "/long-2.mp4", seconds: 24, bitrate: "2M"),
                into: shared
            )
            let frozen = try await transcodingLong("long-2.mp4", on: live)
            processes[frozen].signal(SIGSTOP)
            _ = try await waitForFleet(store, processes, "long-2.mp4 taken from the frozen agent") { jobs in
                jobs.contains { $0.sourcePath == "long-2.mp4" && $0.claimedBy != Self.names[frozen] }
            }
            processes[frozen].signal(SIGCONT)
            _ = try await processes[frozen].waitForLine(
                containing: "lease lost; dropped the job",
                timeout: .seconds(60)
            )

            // Cut off from the database for longer than the lease: it stops its worker; the other agent finishes.
            try world.drop(
                try await Clips.long(world.dir.path + "/long-3.mp4", seconds: 26, bitrate: "2M"),
                into: shared
            )
            let cut = try await transcodingLong("long-3.mp4", on: live)
            proxies[cut].stop()
            _ = try await processes[cut].waitForLine(
                containing: "no answer from the job database for longer than the lease",
                timeout: .seconds(60)
            )
            try await proxies[cut].restart()

            // A black hole between an agent and the database (connections open, nothing answered or refused): it
            // stops its worker once a lease passed without a renewal and another agent takes the job over; what
            // the network held reaches the database after the thaw, where the fence refuses it.
            try world.drop(
                try await Clips.long(world.dir.path + "/long-4.mp4", seconds: 20, bitrate: "2M"),
                into: shared
            )
            let isolated = try await transcodingLong("long-4.mp4", on: live)
            let seen = processes[isolated].log.split(separator: "\n").count
            proxies[isolated].freeze()
            let fenced = "no answer from the job database for longer than the lease"
            try await processes[isolated].waitUntil(timeout: .seconds(60)) { lines in
                lines.dropFirst(seen).contains { $0.contains(fenced) }
            }
            _ = try await waitForFleet(store, processes, "long-4.mp4 taken from the isolated agent") { jobs in
                jobs.contains { $0.sourcePath == "long-4.mp4" && $0.claimedBy != Self.names[isolated] }
            }
            proxies[isolated].thaw()

            let jobs = try await waitForFleet(store, processes, timeout: .seconds(420), "every job settled") { jobs in
                jobs.count == 28 && jobs.allSatisfy { $0.state.isTerminal && $0.claimedBy == nil }
            }
            let published = jobs.filter { $0.state == .published }
            let distinct = Set(jobs.filter { $0.state != .duplicate }.compactMap(\.contentSha256))
            #expect(distinct.count == 24)
            #expect(
                published.count == 24,
                "\(jobs.map { "\($0.sourcePath) \($0.state.rawValue) \($0.lastError ?? "")" })"
            )
            #expect(Set(published.map(\.videoId)).count == 24, "each content published once")
            let duplicates = jobs.filter { $0.state == .duplicate }
            #expect(duplicates.count == 4)
            for duplicate in duplicates {
                let original = published.first { $0.id == duplicate.duplicateOf }
                #expect(original?.videoId == duplicate.videoId, "\(duplicate.sourcePath) links to its original")
            }
            for job in published {
                let events = try await store.stages(ofJob: try #require(job.id)).map(\.event)
                #expect(events.filter { $0 == "published" }.count == 1, "\(job.sourcePath)")
            }
            // The dead agent's job was finished by another; the frozen and the cut agent may have claimed theirs
            // again on a later attempt, after another agent rescued it.
            let first = try #require(published.first { $0.sourcePath == "long-1.mp4" })
            #expect(first.revisionBy != Self.names[killed], "long-1.mp4 finished by another agent than the dead one")
            for (file, agent) in [("long-1.mp4", killed), ("long-2.mp4", frozen), ("long-4.mp4", isolated)] {
                let job = try #require(published.first { $0.sourcePath == file })
                let history = try await store.stages(ofJob: try #require(job.id)).compactMap(\.message)
                #expect(history.contains("lease expired on agent \(Self.names[agent])"), "\(file): \(history)")
            }
            try await expectBucketHoldsExactly(world, videos: published.map(\.videoId), within: .seconds(30))
            let multipart = try await world.servers.aws([
                "s3api", "list-multipart-uploads", "--bucket", world.servers.bucket, "--output", "json",
            ])
            #expect(!multipart.stdout.contains("\"\(world.prefix)/"), "no multipart upload left: \(multipart.stdout)")
        }
    }
}
