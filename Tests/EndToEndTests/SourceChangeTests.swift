import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// A recorder saving again under the same name while the agent transcodes the first version: the first job ends with
/// a reason and nothing is published under the first content's id; the new content is published as its own job.
@Suite("end to end: a source that changes while it is transcoded")
struct SourceChangeTests {
    @Test(.timeLimit(.minutes(5))) func replacedSourceIsNeverPublishedUnderTheOldContentsID() async throws {
        let servers = try Servers.require()
        let world = try TestWorld("source-change", servers: servers)
        defer { world.remove() }
        try world.writeConfig()
        let line = try world.watch("line")
        let first = try await Clips.long(world.dir.path + "/first.mp4", seconds: 30)
        let second = try await Clips.h264(world.dir.path + "/second.mp4", seconds: 3)

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(first, into: line, as: "take.mp4")
        _ = try await workerPid(agent)
        // Written over in place, as a recorder saving under the same name does.
        let copied = try await runProcessAsync("/bin/cp", [second, line + "/take.mp4"])
        try #require(copied.status == 0, "\(copied.stderr)")

        let jobs = try await waitForJobs(world, agent: agent, "the old version stopped, the new one published") {
            jobs in
            jobs.contains { $0.state == .published } && jobs.contains { $0.state == .cancelled }
                && jobs.allSatisfy { $0.state.isTerminal }
        }
        let old = try #require(jobs.first { $0.state == .cancelled })
        let new = try #require(jobs.first { $0.state == .published })
        let stages = try await world.database().stages(ofJob: try #require(old.id))
        // The watcher sees the new version and stops the old job ("replaced by a new version"); had it missed it,
        // the pipeline's own check before publishing would ("changed since the transcode started").
        let reason = stages.last?.message ?? ""
        #expect(reason.contains("source file replaced") || reason.contains("source file changed"), "\(reason)")
        #expect(old.contentSha256 == (try await sha256(first)))
        #expect(new.contentSha256 == (try await sha256(second)))
        #expect(old.videoId != new.videoId)

        // Nothing under the first content's id; the second's video.json names its own source.
        #expect(try await servers.keys(under: "\(world.prefix)/videos/\(old.videoId)").isEmpty)
        let video = try await world.publishedVideo(new.videoId)
        #expect(video.sourceFile.sha256 == (try await sha256(second)))
        #expect(agent.isRunning)
    }
}
