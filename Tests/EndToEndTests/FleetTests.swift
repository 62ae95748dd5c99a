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
            try first.joinFleet(as: "agent-a", database: place, sharedFolder: shared, api: true)
            try second.joinFleet(as: "agent-b", database: place, sharedFolder: mountedByB, api: true)

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
            try await expectBucketHoldsExactly(first, videos: published.map(\.videoId))
            for agent in [a, b] {
                #expect(
                    agent.log.contains("storage honours conditional writes"),
                    "moto answers 412: video.json is conditional"
                )
            }

            // An agent killed mid-transcode, just after a segment reached the bucket and before its journal row
            // said so: its lease runs out, the other agent finishes the job and removes that segment too.
            b.signal(SIGSTOP)
            #expect(await a.exit(after: SIGTERM, timeout: .seconds(30)) == 0)
            var armed = first
            armed.environment[KillPoint.environmentKey] = KillPoint.betweenStoreAndRecord.rawValue + "@3"
            let dying = try armed.startAgent()
            agents.add(dying)
            _ = try await dying.waitForLine(containing: "watching folder", timeout: .seconds(60))
            let long = try await Clips.long(first.dir.path + "/long.mp4", seconds: 30, bitrate: "2M")
            try first.drop(long, into: shared)
            _ = try await dying.waitForLine(
                containing: "kill point \(KillPoint.betweenStoreAndRecord.rawValue) reached",
                timeout: .seconds(120)
            )
            #expect(await dying.exit(after: 0, timeout: .seconds(10)) == SIGKILL)
            b.signal(SIGCONT)
            let all = try await waitForFleet(store, [b], "the dead agent's job published by the other") {
                jobs in
                jobs.count == 7 && jobs.allSatisfy { $0.state.isTerminal }
            }
            let rescued = try #require(all.first { $0.sourcePath == "long.mp4" })
            #expect(rescued.state == .published)
            #expect(rescued.revisionBy == "agent-b", "the surviving agent published a revision of its own")
            // The agent logs after the commit the store shows: wait for the line, not for the log at this instant.
            let publishedLine = try? await b.waitForLine(
                containingAll: ["[IngestAgent] published", "/mount-b/long.mp4"],
                timeout: .seconds(15)
            )
            #expect(publishedLine != nil, "the second agent opened the file under its own mount")
            let stages = try await store.stages(ofJob: try #require(rescued.id))
            #expect(stages.contains { $0.message == "lease expired on agent agent-a" }, "\(stages.map(\.message))")
            #expect(stages.filter { $0.event == "published" }.count == 1)
            try await expectBucketHoldsExactly(first, videos: (published + [rescued]).map(\.videoId))

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
            try await expectBucketHoldsExactly(first, videos: videos, within: .seconds(30), log: b.log)
        }
    }
}
