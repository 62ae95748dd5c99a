import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))

private func watch(_ name: String, at path: String) -> WatchConfig {
    WatchConfig(name: name, file: "/etc/reel-ingest/watches.d/\(name).toml", path: path)
}

/// One share, mounted by two agents at different paths: the store names each file relative to its watch's folder.
@Suite("Job store: one share mounted at different paths")
struct JobStoreSharedFolderTests {
    /// The second agent's scan of the same file (its own mount path, its own device number) finds the row the first
    /// agent wrote, and each agent gets the file back under its own path.
    @Test(arguments: StoreBackend.allCases) func twoMountsOfOneShareRecordEachFileOnce(backend: StoreBackend)
        async throws
    {
        try await backend.withTwoStores { first, second in
            let onA = watch("line-3", at: "/mnt/plant-share/line 3")
            let onB = watch("line-3", at: "/net/nas/line3/")
            let seenByA = FileObservation(
                path: "/mnt/plant-share/line 3/week 12/Übung 3.mp4",
                device: 41,
                inode: 9001,
                size: 5000,
                mtimeNs: 17
            )
            var seenByB = seenByA
            seenByB.path = "/net/nas/line3/week 12/Übung 3.mp4"
            seenByB.device = 77
            let recorded = try #require(
                try await first.recordStable(seenByA, watch: onA, metadata: nil, policy: policy)
            )
            #expect(recorded.job.sourcePath == "week 12/Übung 3.mp4")
            #expect(try await second.recordStable(seenByB, watch: onB, metadata: nil, policy: policy) == nil)
            #expect(try await second.jobs(limit: 10).count == 1, "one job for the file, whoever saw it")

            let knownToB = try await second.knownSourceVersions(watch: onB)
            #expect(knownToB.map(\.path) == ["/net/nas/line3/week 12/Übung 3.mp4"])
            #expect(onB.localPath(recorded.job.sourcePath) == seenByB.path)
            let under = try await second.queuedJobs(watch: onB, under: "/net/nas/line3/week 12")
            #expect(under.compactMap(\.id) == [recorded.job.id].compactMap { $0 })

            // Changed on the share (new size and time): a new version, and the old job is cancelled.
            var rewritten = seenByB
            rewritten.size = 6000
            rewritten.mtimeNs = 18
            let replaced = try #require(
                try await second.recordStable(rewritten, watch: onB, metadata: nil, policy: policy)
            )
            #expect(replaced.replaced == [recorded.job.id].compactMap { $0 })
        }
    }

    /// Rows written while the store kept absolute paths become relative once the watch starts, names outside the
    /// folder stay as they are, and a second run changes nothing.
    @Test(arguments: StoreBackend.allCases) func absolutePathsOfOlderRowsBecomeRelative(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let root = "/srv/Linie ß/Übungen"
            // A watch of the same name elsewhere writes the paths whole, as the store did before.
            let before = watch("line-1", at: "/elsewhere")
            let inside = FileObservation(path: root + "/a/clip.mp4", device: 1, inode: 1, size: 10, mtimeNs: 1)
            let outside = FileObservation(path: "/srv/rejected/b.mp4", device: 1, inode: 2, size: 10, mtimeNs: 1)
            let rows = try await db.recordStable(
                [(inside, metadata: nil), (outside, metadata: nil)],
                watch: before,
                policy: policy
            )
            let ids = rows.compactMap { $0?.job.id }
            #expect(try await db.job(id: ids[0])?.sourcePath == inside.path)

            let now = watch("line-1", at: root)
            for _ in 0..<2 { try await db.relativizeSourcePaths(watch: now) }
            let job = try #require(try await db.job(id: ids[0]))
            #expect(job.sourcePath == "a/clip.mp4")
            #expect(try await db.sourceFile(id: try #require(job.sourceFileId))?.path == "a/clip.mp4")
            #expect(try await db.job(id: ids[1])?.sourcePath == outside.path)
            #expect(try await db.knownSourceVersions(watch: now).contains(inside))
            #expect(try await db.recordStable(inside, watch: now, metadata: nil, policy: policy) == nil)
        }
    }

    /// An agent claims only what it can open: jobs of its own watches and jobs with an absolute path.
    @Test(arguments: StoreBackend.allCases) func anAgentClaimsOnlyJobsOfItsWatches(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            var ids: [String: Int64] = [:]
            for (index, (name, root)) in [("mine", "/srv/mine"), ("other", "/srv/other")].enumerated() {
                let file = FileObservation(
                    path: "\(root)/clip.mp4",
                    device: 1,
                    inode: Int64(index + 1),
                    size: 10,
                    mtimeNs: 1
                )
                let job = try #require(
                    try await db.recordStable(file, watch: watch(name, at: root), metadata: nil, policy: policy)
                )
                let id = try #require(job.job.id)
                ids[name] = id
            }
            let elsewhere = FileObservation(path: "/tmp/moved.mp4", device: 1, inode: 3, size: 10, mtimeNs: 1)
            let absolute = try #require(
                try await db.recordStable(
                    elsewhere,
                    watch: watch("gone", at: "/srv/gone"),
                    metadata: nil,
                    policy: policy
                )
            )
            let absoluteID = try #require(absolute.job.id)
            ids["absolute"] = absoluteID
            for id in ids.values { try await db.markChecked(job: id) }

            let claimed = try await db.claimJobs(
                agent: "a",
                limit: 10,
                lease: .seconds(60),
                uncheckedBefore: .distantPast,
                watches: ["mine"]
            ).map(\.jobId)
            #expect(Set(claimed) == [ids["mine"], ids["absolute"]])
            let none = try await db.claimJobs(
                agent: "b",
                limit: 10,
                lease: .seconds(60),
                uncheckedBefore: .distantPast,
                watches: []
            )
            #expect(none.isEmpty, "the other watch's job waits for an agent that has it")
            let any = try await db.claimJobs(agent: "c", limit: 10, lease: .seconds(60), uncheckedBefore: .distantPast)
            #expect(any.map(\.jobId) == [ids["other"]])
        }
    }
}
