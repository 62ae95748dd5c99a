import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import TestSupport
import Testing

@testable import IngestAgent

/// Real inotify in temp dirs. Serialized: the overflow test pauses the process-wide inotify reader.
@Suite("Watcher: inotify events", .serialized)
struct WatcherEventTests {
    /// Awaited on a thread of its own: the cooperative pool must not block while the tool runs.
    static func shell(_ command: String, _ arguments: String...) async throws {
        let result = try await runProcessAsync(command, arguments)
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func names(_ jobs: [JobRecord]) -> [String] {
        jobs.map { URL(fileURLWithPath: $0.sourcePath).lastPathComponent }.sorted()
    }

    @Test func cpIntoTheFolderIsQueuedOnce() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        let source = try h.dir.write("outside/take 1.mp4", String(repeating: "frame ", count: 10_000))
        try await h.run { h in
            try await Self.shell("/bin/cp", source, h.inbox + "/take 1.mp4")
            let jobs = try await h.jobs(count: 1)
            #expect(Self.names(jobs) == ["take 1.mp4"])
            #expect(jobs.first?.state == .stable)
            let hashed = try await h.hashedJob("take 1.mp4", in: .stable)
            #expect(hashed?.contentSha256?.count == 64)
        }
    }

    @Test func mvIntoTheFolderIsQueuedOnce() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        let source = try h.dir.write("outside/moved.mov", "frames")
        try await h.run { h in
            // A rename gives IN_MOVED_TO and no close-write.
            try await Self.shell("/bin/mv", source, h.inbox + "/moved.mov")
            let jobs = try await h.jobs(count: 1)
            #expect(Self.names(jobs) == ["moved.mov"])
        }
    }

    @Test func slowChunkedWriterIsQueuedOnceAfterItsLastWrite() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            let path = h.inbox + "/slow.mp4"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            for _ in 0..<3 {
                try handle.write(contentsOf: Data(repeating: 7, count: 64 * 1024))
                // Longer than the settle time: the gate must not take the file while it is open.
                try await Task.sleep(for: .milliseconds(1200))
            }
            try handle.write(contentsOf: Data(repeating: 7, count: 64 * 1024))
            let lastWrite = Date()
            try handle.close()
            let jobs = try await h.jobs(count: 1)
            let job = try #require(jobs.first)
            #expect(job.createdAt >= lastWrite)
            let watch = try #require(h.box.config.watches.first)
            let source = try #require(try await h.database.knownSourceVersions(watch: watch).first)
            #expect(source.size == 4 * 64 * 1024)
        }
    }

    @Test func fileInAFreshlyCreatedDeepFolderIsFound() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            // The file lands before the agent can have watched a/b/c: the scan after the watch finds it.
            try await Self.shell(
                "/bin/sh",
                "-c",
                "mkdir -p '\(h.inbox)/a/b/c' && echo frames > '\(h.inbox)/a/b/c/deep.mp4'"
            )
            let jobs = try await h.jobs(count: 1)
            #expect(jobs.first.map(h.local) == h.inbox + "/a/b/c/deep.mp4")
        }
    }

    @Test func burstOf5000FilesGives5000JobsNoDuplicates() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            for i in 0..<5000 {
                try h.write(String(format: "burst-%04d.mp4", i), "content \(i)")
            }
            let jobs = try await h.jobs(count: 5000, timeout: .seconds(180))
            let paths = Set(jobs.map(h.local))
            #expect(paths.count == 5000)
            #expect(paths == Set((0..<5000).map { h.inbox + String(format: "/burst-%04d.mp4", $0) }))
            #expect(jobs.allSatisfy { $0.state == .stable })
        }
    }

    @Test func overflowIsFollowedByARescanThatRecordsEveryFile() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            InotifyHub.shared.pauseReading()
            var names: [String] = []
            for i in 0..<50 { names.append(try h.write("early-\(i).mp4", "early \(i)")) }
            // Re-open and close the same files until the kernel queue (max_queued_events) is over-full.
            // The margin covers the events libinotifytools had already read into its buffer before the pause.
            let rounds = InotifyTools.maxQueuedEvents / 50 + 150
            for _ in 0..<rounds {
                for name in names {
                    let fd = open(name, O_WRONLY)
                    close(fd)
                }
            }
            // These events are lost: only the rescan can find these files.
            for i in 0..<50 { try h.write("late-\(i).mp4", "late \(i)") }
            InotifyHub.shared.resumeReading()
            try await h.log.waitFor("inotify queue overflowed")
            let jobs = try await h.jobs(count: 100, timeout: .seconds(60))
            #expect(Set(jobs.map(h.local)).count == 100)
        }
    }

    @Test func filesDroppedWhileStoppedAreFoundOnceOnStart() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try h.write("before.mp4", "before")
        try await h.run { h in _ = try await h.jobs(count: 1) }
        // While the agent is down: two new files, and the queued one disappears.
        try h.write("while-down-1.mp4", "one")
        try h.write("sub/while-down-2.mkv", "two")
        try FileManager.default.removeItem(atPath: h.inbox + "/before.mp4")
        try await h.run { h in
            let jobs = try await h.jobs(count: 3)
            #expect(Self.names(jobs) == ["before.mp4", "while-down-1.mp4", "while-down-2.mkv"])
            _ = try await h.job("before.mp4", in: .cancelled)
        }
        // A third start with nothing new queues nothing.
        try await h.run { h in
            let jobs = try await h.jobs(count: 3)
            #expect(Set(jobs.map(h.local)).count == 3)
        }
    }

    @Test func tempNameRenamedToFinalNameIsQueuedUnderTheFinalName() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            let temp = try h.write("upload.mp4.part", "frames")
            try FileManager.default.moveItem(atPath: temp, toPath: h.inbox + "/upload.mp4")
            let jobs = try await h.jobs(count: 1)
            #expect(Self.names(jobs) == ["upload.mp4"])
        }
    }

    @Test func fileDeletedDuringSettleIsDroppedNotFailed() async throws {
        let h = try WatchHarness(settle: .seconds(2))
        defer { h.remove() }
        try await h.run { h in
            let path = try h.write("gone.mp4", "frames")
            try await h.log.waitFor("settling path=\(path)")
            try FileManager.default.removeItem(atPath: path)
            try await h.log.waitFor("dropped before it settled")
            try await Task.sleep(for: .seconds(2))
            #expect(try await h.database.jobs(limit: 10).isEmpty)
        }
    }

    @Test func missingOrVanishedFolderIsRetriedNotFatal() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try FileManager.default.removeItem(atPath: h.inbox)
        try await h.run(ready: "watched folder is missing") { h in
            // The share gets mounted later.
            _ = try h.dir.mkdir("inbox")
            try await h.log.waitFor("watching folder")
            try h.write("late.mp4", "frames")
            _ = try await h.job("late.mp4", in: .stable)
            // Then it vanishes and comes back.
            try FileManager.default.removeItem(atPath: h.inbox)
            try await h.log.waitFor("watched folder disappeared")
            _ = try h.dir.mkdir("inbox")
            try h.write("again.mp4", "other frames")
            _ = try await h.job("again.mp4", in: .stable)
        }
    }

    @Test func renamedFolderKeepsBeingWatchedUnderItsNewName() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        _ = try h.dir.mkdir("inbox/old/sub")
        try await h.run { h in
            try FileManager.default.moveItem(atPath: h.inbox + "/old", toPath: h.inbox + "/new")
            try await Task.sleep(for: .milliseconds(300))
            try h.write("new/sub/after.mp4", "frames")
            let jobs = try await h.jobs(count: 1)
            #expect(jobs.first.map(h.local) == h.inbox + "/new/sub/after.mp4")
        }
    }

    @Test func nonRecursiveWatchIgnoresSubfolders() async throws {
        let h = try WatchHarness { _, watch in watch.recursive = false }
        defer { h.remove() }
        try await h.run { h in
            try h.write("sub/inside.mp4", "frames")
            try h.write("top.mp4", "other frames")
            let jobs = try await h.jobs(count: 1)
            #expect(jobs.first.map(h.local) == h.inbox + "/top.mp4")
        }
    }

    @Test func unicodeAndNewlineNamesWork() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        let names = ["Größe – 東京 take 1.mp4", "line\nbreak.mp4", "  spaced  name .mov"]
        try await h.run { h in
            for name in names { try h.write(name, "frames of \(name)") }
            let jobs = try await h.jobs(count: 3)
            #expect(Set(jobs.map(h.local)) == Set(names.map { h.inbox + "/" + $0 }))
        }
    }
}
