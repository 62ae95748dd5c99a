import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// Names a workstation may really write: Latin-1 bytes from an old Windows machine on a share mounted without the
/// right character set, and a newline that would forge a log line. Files are dropped and listed by Python with
/// byte paths, so the agent's own name handling is judged by a tool that does not share its code.
@Suite("end to end: file names")
struct FileNameTests {
    static let latin1: [UInt8] = [0xDC] + RawFileNames.bytes("bung 3.mp4")
    static let forged = "forge\nFORGED-LINE job 999 published.mp4"
    static let badLatin1: [UInt8] = [0xE9] + RawFileNames.bytes("tude.mp4")

    @Test(.timeLimit(.minutes(5))) func namesThatAreNotUTF8OrHoldNewlinesArePublishedAndMovedByTheirBytes()
        async throws
    {
        let servers = try Servers.require()
        let world = try TestWorld("names", servers: servers)
        defer { world.remove() }
        try world.writeConfig()
        let line = try world.watch("line", extra: "on_success = \"move:done\"")
        let sources = try world.dir.mkdir("sources")
        let a = try await Clips.h264(sources + "/a.mp4", seconds: 2)
        let b = try await Clips.h264(sources + "/b.mp4", seconds: 3)
        let bad = try world.dir.write("sources/notes.mp4", "minutes of the shift meeting, not a video")

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        let folder = RawFileNames.bytes(line)
        try await RawFileNames.drop(a, into: folder, as: Self.latin1)
        try await RawFileNames.drop(b, into: folder, as: RawFileNames.bytes(Self.forged))
        try await RawFileNames.drop(bad, into: folder, as: Self.badLatin1)

        let jobs = try await waitForJobs(world, agent: agent, "two published, one rejected") { jobs in
            jobs.filter { $0.state == .published }.count == 2 && jobs.contains { $0.state == .rejected }
        }
        #expect(jobs.count == 3, "one job per file: \(jobs.map(\.sourcePath.readablePath))")

        // The rejected file gets its note beside it, under its own bytes, naming it readably.
        let rejected = try #require(jobs.first { $0.state == .rejected })
        #expect(rejected.lastError == "not a video file")
        let note = Self.badLatin1 + RawFileNames.bytes(".error.txt")
        #expect(try await RawFileNames.list(folder).contains(note))
        let text = String(decoding: try await RawFileNames.read(folder + [0x2F] + note), as: UTF8.self)
        #expect(text.contains(#"could not take "\xE9tude.mp4""#))

        // Both published; video.json names the sources readably; on_success moved each by its exact bytes.
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for job in jobs where job.state == .published {
                group.addTask { try await world.publishedVideo(job.videoId).sourceFile.name }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(names == [#"\xDCbung 3.mp4"#, Self.forged])
        _ = try await agent.waitUntil(timeout: .seconds(30)) { lines in
            lines.filter { $0.contains("[IngestAgent] source handled") }.count == 2
        }
        let done = try await RawFileNames.list(RawFileNames.bytes(line + "/done"))
        #expect(done == [Self.latin1, RawFileNames.bytes(Self.forged)])
        #expect(
            try await RawFileNames.read(RawFileNames.bytes(line + "/done/") + Self.latin1)
                == Data(contentsOf: URL(fileURLWithPath: a))
        )

        // No log line was forged: the newline is escaped inside a quoted value; the Latin-1 byte reads \xDC.
        let log = agent.log.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(!log.contains { $0.hasPrefix("FORGED-LINE") })
        #expect(log.contains { $0.contains(#"forge\nFORGED-LINE job 999 published.mp4""#) })
        #expect(log.contains { $0.contains(#"\xDCbung 3.mp4""#) && $0.contains("[IngestAgent] published") })

        // The CLI shows the stored path readably.
        // (The job records where on_success moved its source, relative to the watch's folder.)
        let latin1Job = try #require(
            try await world.database().jobs(limit: 10).first {
                FileSystemName.encode($0.sourcePath) == RawFileNames.bytes("done/") + Self.latin1
            }
        )
        let shown = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["jobs", "show", "\(latin1Job.id ?? 0)", "--config", world.config]
        )
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains(line + #"/done/\xDCbung 3.mp4"#), "\(shown.stdout)")
        #expect(agent.isRunning)
    }
}
