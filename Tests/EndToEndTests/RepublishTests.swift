import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// What an admin does to a running agent with the CLI, and what the source file undergoes.
@Suite("end to end: admin actions and the source")
struct RepublishTests {
    @Test(.timeLimit(.minutes(5))) func republishingPurgesTheCDNAndLeavesOnlyTheNewRevision() async throws {
        let servers = try Servers.require()
        let world = try TestWorld("republish", servers: servers)
        defer { world.remove() }
        try world.writeConfig()
        let line = try world.watch("line", extra: "on_success = \"move:done\"")
        let clip = try await Clips.h264(world.dir.path + "/take.mp4", seconds: 4)

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        _ = try await waitForJobs(world, agent: agent, "first publication") { $0.first?.state == .published }
        // on_success runs once the job is committed as published, and logs where the source went.
        _ = try await agent.waitForLine(containing: "[IngestAgent] source handled", timeout: .seconds(60))
        let first = try #require(try await world.database().jobs(limit: 1).first)
        #expect(!FileManager.default.fileExists(atPath: line + "/take.mp4"))
        #expect(FileManager.default.fileExists(atPath: line + "/done/take.mp4"))
        #expect(first.sourcePath == "done/take.mp4", "recorded relative to the watch's folder")
        // The source was moved only after the job was committed as published (the rename sets its ctime).
        let firstId = try #require(first.id)
        let published = try #require(
            try await world.database().stages(ofJob: firstId).last { $0.toState == .published }
        )
        var info = stat()
        #expect(stat(line + "/done/take.mp4", &info) == 0)
        let moved = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
        #expect(moved >= published.createdAt.timeIntervalSince1970 - 0.001)
        let old = try await world.publishedVideo(first.videoId)
        let manifestURL = world.cdnBase + "/videos/\(first.videoId)/video.json"
        let oldMaster = world.cdnBase + "/videos/\(first.videoId)/" + old.media.hlsMaster.path
        #expect(try await cacheStatus(manifestURL) == "HIT", "pre-warmed")
        #expect(try await cacheStatus(oldMaster) == "HIT")

        let retry = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["jobs", "retry", String(try #require(first.id)), "--config", world.config]
        )
        #expect(retry.status == 0, "\(retry.stderr)")
        let again = try #require(
            try await waitForJobs(world, agent: agent, "second publication") { jobs in
                jobs.first.map { $0.state == .published && $0.publishedRevision != first.publishedRevision } ?? false
            }.first
        )
        let new = try await world.publishedVideo(again.videoId)
        #expect(new.revision != old.revision)
        // Purged: the old manifest URL was evicted and refilled by the pre-warm with the new revision; the old
        // revision's objects are gone from Varnish and from the bucket.
        let manifest = try await runProcessAsync("/usr/bin/curl", ["-s", manifestURL]).stdout
        #expect(manifest.contains(new.revision) && !manifest.contains(old.revision))
        #expect(try await httpStatus(oldMaster) == 404)
        let folder = "\(world.prefix)/videos/\(again.videoId)"
        let expected = Set(new.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
        #expect(Set(try await world.servers.keys(under: world.prefix)) == expected)
        let purges = try await world.database().cdnActions(job: try #require(again.id)).filter { $0.action == "purge" }
        #expect(purges.contains { $0.url == manifestURL && $0.status == .ok })
        #expect(purges.contains { $0.url == oldMaster && $0.status == .ok })
    }

    @Test(.timeLimit(.minutes(5))) func cancelFromTheCLIStopsTheRunningTranscode() async throws {
        let servers = try Servers.require()
        let world = try TestWorld("cancel", servers: servers)
        defer { world.remove() }
        try world.writeConfig()
        let line = try world.watch("line")
        let clip = try await Clips.long(world.dir.path + "/long.mp4", seconds: 40)

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        let worker = try await workerPid(agent)
        let job = try #require(try await world.database().jobs(limit: 1).first)
        let cancel = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["jobs", "cancel", String(try #require(job.id)), "--config", world.config]
        )
        #expect(cancel.status == 0, "\(cancel.stderr)")
        _ = try await agent.waitForLine(containingAll: ["[IngestAgent] cancelled"], timeout: .seconds(30))
        #expect(kill(worker, 0) != 0, "the transcode child was stopped")
        #expect(!FileManager.default.fileExists(atPath: world.dir.path + "/scratch/job-\(try #require(job.id))"))
        #expect(try await world.servers.keys(under: world.prefix).isEmpty, "segments uploaded so far were removed")
        #expect(try await world.database().job(id: try #require(job.id))?.state == .cancelled)
        #expect(agent.isRunning)
    }
}

func httpStatus(_ url: String) async throws -> Int {
    Int(try await runProcessAsync("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url]).stdout) ?? 0
}
