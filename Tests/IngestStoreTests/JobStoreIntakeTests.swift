import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func file(_ path: String, inode: Int64 = 1, size: Int64 = 100, mtime: Int64 = 1) -> FileObservation {
    FileObservation(path: path, device: 7, inode: inode, size: size, mtimeNs: mtime)
}

private func watch(_ name: String = "line-1", priority: Int = 0, path: String = "/srv") -> WatchConfig {
    var watch = WatchConfig(name: name, file: "/etc/reel-ingest/watches.d/\(name).toml", path: path)
    watch.priority = priority
    return watch
}

@Suite("Job store: intake, duplicates, the queue")
struct JobStoreIntakeTests {
    @Test(arguments: StoreBackend.allCases) func aStableFileIsRecordedOnceAndReplacesAnOlderVersion(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            let first = try #require(
                try await db.recordStable(file("/srv/a.mp4"), watch: watch(), metadata: "{}", policy: policy, at: t0)
            )
            #expect(first.job.state == .stable)
            #expect(first.job.watchName == "line-1")
            #expect(first.replaced.isEmpty)
            let again = try await db.recordStable(
                file("/srv/a.mp4"),
                watch: watch(),
                metadata: nil,
                policy: policy,
                at: t0 + 5
            )
            #expect(again == nil, "the same version (watch, path, inode, size, mtime) is known")
            #expect(try await db.knownSourceVersions(watch: watch()) == [file("/srv/a.mp4")])
            #expect(first.job.sourcePath == "a.mp4", "kept relative to the watch's folder")

            let rewritten = try #require(
                try await db.recordStable(
                    file("/srv/a.mp4", size: 200, mtime: 2),
                    watch: watch(),
                    metadata: nil,
                    policy: policy,
                    at: t0 + 10
                )
            )
            let firstID = try #require(first.job.id)
            #expect(rewritten.replaced == [firstID])
            #expect(try await db.job(id: firstID)?.state == .cancelled)
            #expect(try await db.knownSourceVersions(watch: watch()).count == 2)
            #expect(try await db.sourceFile(id: rewritten.sourceId)?.size == 200)
        }
    }

    /// Two agents hash two copies of one content at the same moment: exactly one copy is the original and the
    /// other links to it, round after round.
    @Test(arguments: StoreBackend.allCases) func copiesClaimedAtOnceByTwoAgentsLinkToOneOriginal(
        backend: StoreBackend
    ) async throws {
        try await backend.withTwoStores { first, second in
            for round in 0..<25 {
                let files = (0..<2).map {
                    (file("/srv/\(round)-copy-\($0).mp4", inode: Int64(round * 2 + $0)), metadata: String?.none)
                }
                let jobs = try await first.recordStable(files, watch: watch(), policy: policy, at: t0).compactMap { $0 }
                #expect(jobs.count == 2)
                let sha = String(format: "%02x", round + 1) + String(repeating: "cd", count: 31)
                async let claimedByFirst = first.claimContent(
                    sha,
                    job: try #require(jobs[0].job.id),
                    source: jobs[0].sourceId,
                    policy: policy
                )
                async let claimedBySecond = second.claimContent(
                    sha,
                    job: try #require(jobs[1].job.id),
                    source: jobs[1].sourceId,
                    policy: policy
                )
                let originals = [try await claimedByFirst, try await claimedBySecond]
                #expect(originals.filter { $0 == nil }.count == 1, "round \(round): exactly one original")
                let copies = try await first.jobs(videoID: VideoID.from(sha256: sha))
                #expect(copies.count == 2)
                #expect(copies.filter { $0.state == .duplicate }.count == 1, "round \(round): one duplicate")
            }
        }
    }

    @Test(arguments: StoreBackend.allCases) func queuedJobsByWatchAndUnderAFolderWithWildcardCharacters(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            let paths = ["/srv/a_b%/x.mp4", "/srv/a_b%/sub/y.mp4", "/srv/aXb%/z.mp4", "/srv/a_b%.mp4"]
            let recorded = try await db.recordStable(
                paths.enumerated().map { (file($1, inode: Int64($0 + 1)), metadata: nil) },
                watch: watch(),
                policy: policy,
                at: t0
            )
            let ids = recorded.compactMap { $0?.job.id }
            let under = try await db.queuedJobs(watch: watch(), under: "/srv/a_b%").compactMap(\.id).sorted()
            #expect(under == [ids[0], ids[1]], "_ and % are plain characters in a folder's name")
            #expect(try await db.queuedJobs(watch: watch(), under: "/srv/a_b%/x.mp4").compactMap(\.id) == [ids[0]])
            #expect(try await db.queuedJobs(watch: "line-1").count == 4)
            #expect(try await db.queuedJobs(watch: watch(), under: "/srv").count == 4, "the watch's folder itself")
            #expect(try await db.queuedJobs(watch: watch("line-2"), under: "/srv/a_b%").isEmpty)
            #expect(try await db.queuedJobs(watch: "line-2").isEmpty)
            try await db.apply(.probeStarted, toJob: ids[0], policy: policy, at: t0 + 1)
            #expect(
                try await db.queuedJobs(watch: watch(), under: "/srv/a_b%").compactMap(\.id) == [ids[1]],
                "running is not queued"
            )
            #expect(try await db.activeJobs().compactMap(\.id) == [ids[0]])
        }
    }

    @Test(arguments: StoreBackend.allCases) func runnableJobsLeaveOutRunningUncheckedAndWaitingJobs(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            let recorded = try await db.recordStable(
                (0..<4).map { (file("/srv/\($0).mp4", inode: Int64($0 + 1)), metadata: nil) },
                watch: watch(),
                policy: policy,
                at: t0
            )
            let ids = recorded.compactMap { $0?.job.id }
            for id in ids { try await db.markChecked(job: id, at: t0 + 1) }
            try await db.apply(
                .probeStarted,
                toJob: ids[3],
                policy: policy,
                at: t0 + 2
            )
            try await db.apply(
                .waitForRoom(reason: "scratch full", until: t0 + 100),
                toJob: ids[3],
                policy: policy,
                at: t0 + 3
            )
            #expect(try await db.jobsWaitingForRoom().compactMap(\.id) == [ids[3]])
            let runnable = try await db.runnableJobs(
                limit: 10,
                excluding: [ids[0]],
                uncheckedBefore: t0 - 1,
                now: t0 + 50
            )
            #expect(runnable.compactMap(\.id) == [ids[1], ids[2]])
            let later = try await db.runnableJobs(limit: 10, excluding: [], uncheckedBefore: t0 - 1, now: t0 + 100)
            #expect(later.compactMap(\.id) == ids, "the waiting job's time has come")
            #expect(try await db.jobsKeepingScratch() == Set(ids))
        }
    }

    @Test(arguments: StoreBackend.allCases) func movedSourceAndPublicationAreRecorded(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let recorded = try #require(
                try await db.recordStable(file("/srv/a.mp4"), watch: watch(), metadata: nil, policy: policy, at: t0)
            )
            let id = try #require(recorded.job.id)
            for event in [JobEvent.probeStarted, .transcodeStarted, .uploadStarted, .distributionStarted] {
                try await db.apply(event, toJob: id, policy: policy, at: t0 + 1)
            }
            try await db.setRevision(job: id, "r1")
            let published = try await db.completePublication(job: id, revision: "r1", policy: policy, at: t0 + 9)
            #expect(published.state == .published && published.publishedRevision == "r1")
            #expect(try await db.publishedJob(videoId: published.videoId)?.id == id)
            try await db.moveSource(job: id, to: "/srv/done/a.mp4")
            #expect(try await db.job(id: id)?.sourcePath == "/srv/done/a.mp4")
            #expect(try await db.sourceFile(id: recorded.sourceId)?.path == "/srv/done/a.mp4")
            #expect(try await db.jobsKeepingScratch().isEmpty)
        }
    }
}
