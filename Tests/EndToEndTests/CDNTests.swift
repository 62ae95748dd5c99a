import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// A CDN that does not answer never holds back or undoes a publication; `retry-sweep` tries its requests again.
@Suite("end to end: CDN failures")
struct CDNTests {
    @Test(.timeLimit(.minutes(5))) func failedPurgesAreRecordedAndRetriedBySweep() async throws {
        let servers = try Servers.require()
        var world = try TestWorld("cdn-down", servers: servers)
        defer { world.remove() }
        let port = try await freePort()
        // Purges go to a listener that is not there yet.
        world.extraCDN = "purge_url = \"http://127.0.0.1:\(port)\"\nprewarm = false"
        try world.writeConfig()
        let line = try world.watch("line")
        let clip = try await Clips.h264(world.dir.path + "/take.mp4", seconds: 2)

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        let job = try #require(
            try await waitForJobs(world, agent: agent, "published") { $0.first?.state == .published }.first
        )
        let failed = try await world.database().cdnActions(job: try #require(job.id))
        #expect(failed.count == 1)
        #expect(failed.first?.action == "purge" && failed.first?.status == .failed)
        #expect(failed.first?.error?.contains("purge") == true)
        #expect((failed.first?.attempts ?? 0) > 1, "retried before giving up")

        // The purge listener comes up (a proxy to Varnish); the sweep sends the purge again and records it.
        let proxy = try await StoreProxy.start(
            upstream: servers.varnish,
            port: port,
            log: world.dir.path + "/cdn.log",
            delayMs: 0
        )
        defer { proxy.stop() }
        let sweep = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["retry-sweep", "--config", world.config],
            environment: servers.awsEnvironment
        )
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect(sweep.stdout.contains("retried CDN purge"), "\(sweep.stdout)")
        #expect(sweep.stdout.contains(": ok"))
        let after = try await world.database().cdnActions(job: try #require(job.id))
        #expect(after.first?.status == .ok)
        #expect(after.first?.httpStatus == 200)
        #expect(
            proxy.requests().contains { $0.method == "PURGE" && $0.path.hasSuffix("/videos/\(job.videoId)/video.json") }
        )
        #expect(try await world.database().job(id: try #require(job.id))?.state == .published)
    }
}
