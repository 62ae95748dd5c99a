import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// SIGTERM while a job works, then a restart: the agent exits 0 in bounded time, the job goes back to the queue,
/// and the next start publishes it exactly once, leaving nothing in the bucket that video.json does not name.
@Suite("end to end: stop and restart")
struct RestartTests {
    @Test(.timeLimit(.minutes(5))) func sigtermMidTranscodeThenRestartPublishesOnce() async throws {
        let servers = try Servers.require()
        var world = try TestWorld("term-transcode", servers: servers)
        defer { world.remove() }
        let port = try await freePort()
        let proxy = try await StoreProxy.start(
            upstream: servers.endpoint,
            port: port,
            log: world.dir.path + "/proxy.log",
            delayMs: 0
        )
        defer { proxy.stop() }
        world.endpoint = "http://127.0.0.1:\(port)"
        try world.writeConfig()
        let line = try world.watch("line")
        let clip = try await Clips.long(world.dir.path + "/long.mp4", seconds: 40)

        let first = try world.startAgent()
        defer { first.signal(SIGTERM) }
        _ = try await first.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        let worker = try await workerPid(first)
        // Segments are stored while the worker is still encoding.
        try await proxy.waitForRequests(timeout: .seconds(60)) { requests in
            requests.contains { $0.method == "PUT" && $0.path.hasSuffix(".m4s") && $0.status == 200 }
        }
        #expect(kill(worker, 0) == 0, "the worker is still encoding")
        let limits = try String(contentsOfFile: "/proc/\(worker)/limits", encoding: .utf8)
        #expect(limits.contains("Max address space         8589934592"), "\(limits)")
        // CPU time: the wall-clock limit (10 min + 10 × 40 s) on every core.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(limits.contains("Max cpu time              \(1000 * cores)"), "\(limits)")
        let stat = try String(contentsOfFile: "/proc/\(worker)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        #expect(fields[16] == "10", "nice level of the worker")
        let status = await first.exit(after: SIGTERM, timeout: .seconds(30))
        #expect(status == 0, "exit 0 within the shutdown timeout")
        #expect(kill(worker, 0) != 0, "the transcode child is gone too")
        let interrupted = try #require(try await world.database().jobs(limit: 1).first)
        #expect(interrupted.state == .stable, "back in the queue, not failed")
        #expect(interrupted.attempts == 0)

        try await restartAndCheck(world)
    }

    @Test(.timeLimit(.minutes(5))) func sigtermMidUploadThenRestartPublishesOnce() async throws {
        let servers = try Servers.require()
        var world = try TestWorld("term-upload", servers: servers)
        defer { world.remove() }
        let port = try await freePort()
        // Each request held 300 ms: the upload stage lasts seconds.
        let proxy = try await StoreProxy.start(
            upstream: servers.endpoint,
            port: port,
            log: world.dir.path + "/proxy.log",
            delayMs: 300
        )
        defer { proxy.stop() }
        world.endpoint = "http://127.0.0.1:\(port)"
        world.extraStorage = "concurrency = 1"
        try world.writeConfig()
        let line = try world.watch("line")
        let clip = try await Clips.h264(world.dir.path + "/take.mp4", seconds: 12)

        let first = try world.startAgent()
        defer { first.signal(SIGTERM) }
        _ = try await first.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        // A bound, not a delay: under the end-to-end batch's load the 12 s clip can take minutes to transcode.
        _ = try await first.waitForLine(containing: "[IngestAgent] uploading", timeout: .seconds(180))
        let status = await first.exit(after: SIGTERM, timeout: .seconds(30))
        #expect(status == 0)
        let interrupted = try #require(try await world.database().jobs(limit: 1).first)
        #expect(interrupted.state == .stable)
        #expect(try await stageEvents(world, job: try #require(interrupted.id)).contains("interrupted"))

        try await restartAndCheck(world)
    }

    /// Starts the agent again and waits for the job: published once, its transcode not redone when it had
    /// finished, and the bucket holding exactly video.json and what it names.
    private func restartAndCheck(_ world: TestWorld) async throws {
        let second = try world.startAgent()
        defer { second.signal(SIGTERM) }
        let jobs = try await waitForJobs(world, agent: second, "published after the restart") { jobs in
            jobs.first?.state == .published
        }
        let job = try #require(jobs.first)
        let events = try await stageEvents(world, job: try #require(job.id))
        #expect(events.filter { $0 == "published" }.count == 1)
        #expect(!events.contains("failed"))
        let video = try await world.publishedVideo(job.videoId)
        let folder = "\(world.prefix)/videos/\(job.videoId)"
        let expected = Set(video.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
        #expect(Set(try await world.servers.keys(under: world.prefix)) == expected)
    }
}
