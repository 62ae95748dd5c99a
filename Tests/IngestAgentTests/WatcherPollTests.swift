import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Synchronization
import Testing

@testable import IngestAgent

@Suite("Watcher: poll mode", .serialized)
struct WatcherPollTests {
    @Test func networkMountIsPolledAndBehavesTheSame() async throws {
        // statfs says NFS; the watch's own settle time overrides the 30 s network default.
        let h = try WatchHarness { _, watch in watch.settleTime = .milliseconds(300) }
        defer { h.remove() }
        try await h.run(filesystemMagic: { _ in FilesystemKind.nfsMagic }) { h in
            let line = try await h.log.waitFor("watching folder")
            #expect(line.contains("mode=poll (nfs)"))
            let outside = try h.dir.write("outside/moved.mp4", "moved frames")
            try h.write("copied.mp4", "copied frames")
            try FileManager.default.moveItem(atPath: outside, toPath: h.inbox + "/moved.mp4")
            let temp = try h.write("upload.mkv.part", "partial")
            try FileManager.default.moveItem(atPath: temp, toPath: h.inbox + "/upload.mkv")
            try h.write("sub/dir/deep.mov", "deep frames")
            let jobs = try await h.jobs(count: 4)
            #expect(
                Set(jobs.map(h.local))
                    == Set(["copied.mp4", "moved.mp4", "upload.mkv", "sub/dir/deep.mov"].map { h.inbox + "/" + $0 })
            )
            try h.write("copy.mp4", "copied frames")
            _ = try await h.job("copy.mp4", in: .duplicate)
        }
    }

    @Test func networkMountsSettleLongerByDefault() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run(filesystemMagic: { _ in FilesystemKind.smb2Magic }) { h in
            let line = try await h.log.waitFor("watching folder")
            #expect(line.contains("mode=poll (smb2)"))
            #expect(line.contains("settle=30.0 seconds"))
        }
    }

    @Test func unmountedShareKeepsItsQueuedJobs() async throws {
        let h = try WatchHarness { _, watch in watch.settleTime = .milliseconds(300) }
        defer { h.remove() }
        let mounted = Mutex(true)
        let magic: @Sendable (String) -> UInt = { _ in
            mounted.withLock { $0 } ? FilesystemKind.nfsMagic : 0xEF53
        }
        try await h.run(filesystemMagic: magic) { h in
            let path = try h.write("queued.mp4", "frames")
            _ = try await h.hashedJob("queued.mp4", in: .stable)
            // Unmounted: the mount point shows the empty local directory under it.
            mounted.withLock { $0 = false }
            try FileManager.default.removeItem(atPath: path)
            try await h.log.waitFor("network share appears unmounted")
            let all = try await h.database.jobs(limit: 10)
            #expect(all.first?.state == .stable, "\(all.map { ($0.state, $0.lastError ?? "") }) log: \(h.log.text)")
        }
    }

    @Test func polledLinksAreJudgedOnce() async throws {
        let h = try WatchHarness { _, watch in watch.mode = .poll }
        defer { h.remove() }
        let outside = try h.dir.write("elsewhere/real.mp4", "frames")
        try await h.run { h in
            try FileManager.default.createSymbolicLink(atPath: h.inbox + "/link.mp4", withDestinationPath: outside)
            _ = try await h.job("link.mp4", in: .rejected)
            // Ten more polls find the link again; it is neither recorded nor logged again.
            try await Task.sleep(for: .seconds(1))
            #expect(try await h.database.jobs(limit: 10).count == 1)
            let warnings = h.log.text.components(separatedBy: "symbolic link points outside").count - 1
            #expect(warnings == 1)
        }
    }

    @Test func modePollIsForcedOnALocalDisk() async throws {
        let h = try WatchHarness { _, watch in watch.mode = .poll }
        defer { h.remove() }
        try await h.run { h in
            let line = try await h.log.waitFor("watching folder")
            #expect(line.contains("mode=poll (forced)"))
            try h.write("a.mp4", "frames")
            let path = try h.write("b.mp4", "frames b")
            let jobs = try await h.jobs(count: 2)
            #expect(jobs.count == 2)
            try FileManager.default.removeItem(atPath: path)
            _ = try await h.job("b.mp4", in: .cancelled)
        }
    }
}
