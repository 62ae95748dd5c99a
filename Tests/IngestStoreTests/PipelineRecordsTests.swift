import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))

@Suite("Job store: stage spans, content ids, live updates")
struct PipelineRecordsTests {
    @Test(arguments: StoreBackend.allCases) func workingStagesRecordStartEndOutcomeAndError(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, dir in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "p")).id
            )
            try await db.apply(.settled, toJob: id, policy: policy, at: t0)
            try await db.apply(.probeStarted, toJob: id, policy: policy, at: t0.addingTimeInterval(1))
            try await db.apply(.transcodeStarted, toJob: id, policy: policy, at: t0.addingTimeInterval(2))
            try await db.apply(.failed(error: "worker killed by signal 9"), toJob: id, policy: policy, at: t0 + 12)
            try await db.apply(.retry(manual: true), toJob: id, policy: policy, at: t0.addingTimeInterval(20))
            try await db.apply(.probeStarted, toJob: id, policy: policy, at: t0.addingTimeInterval(21))
            try await db.apply(.interrupted(reason: "agent stopped"), toJob: id, policy: policy, at: t0 + 25)

            let stages = try await db.stages(ofJob: id)
            let probing = stages.filter { $0.toState == .probing }
            let transcoding = try #require(stages.first { $0.toState == .transcoding })
            #expect(probing.map(\.outcome) == ["ok", "interrupted"])
            #expect(probing.map(\.seconds) == [1, 4])
            #expect(transcoding.outcome == "failed")
            #expect(transcoding.error == "worker killed by signal 9")
            #expect(transcoding.seconds == 10)
            // Rows that start no working stage stay open-ended.
            #expect(stages.filter { !$0.toState.isActive }.allSatisfy { $0.finishedAt == nil && $0.outcome == nil })
            let job = try #require(try await db.job(id: id))
            #expect(job.state == .stable)
            #expect(job.attempts == 0, "the admin's retry reset attempts and the interruption spent none")
        }
    }

    /// The scheduler's order: watch priority first, then age, FIFO inside a priority; only checked jobs, unless
    /// recorded before the agent started; never one already running.
    @Test(arguments: StoreBackend.allCases) func runnableJobsComeInPriorityThenAgeOrder(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, dir in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            var ids: [String: Int64] = [:]
            let plan: [(String, Int, Double, Bool)] = [
                ("burst-1", 0, 0, true), ("burst-2", 0, 1, true), ("burst-3", 0, 2, true),
                ("urgent", 5, 3, true), ("unchecked", 9, 4, false), ("old-unchecked", 1, -100, false),
            ]
            for (name, priority, offset, checked) in plan {
                let job = try await db.insertJob(
                    NewJob(sourcePath: "/w/\(name).mp4", watchName: "w", profile: "p", priority: priority),
                    at: t0.addingTimeInterval(offset)
                )
                let id = try #require(job.id)
                try await db.apply(.settled, toJob: id, policy: policy, at: t0.addingTimeInterval(offset))
                if checked { try await db.markChecked(job: id) }
                ids[name] = id
            }
            let names = Dictionary(uniqueKeysWithValues: ids.map { ($1, $0) })
            let agentStart = t0.addingTimeInterval(-50)
            let order = try await db.runnableJobs(limit: 10, excluding: [], uncheckedBefore: agentStart)
            #expect(
                order.compactMap { $0.id.flatMap { names[$0] } } == [
                    "urgent", "old-unchecked", "burst-1", "burst-2", "burst-3",
                ]
            )
            let withoutRunning = try await db.runnableJobs(
                limit: 2,
                excluding: [try #require(ids["urgent"])],
                uncheckedBefore: agentStart
            )
            #expect(withoutRunning.compactMap { $0.id.flatMap { names[$0] } } == ["old-unchecked", "burst-1"])
        }
    }

    /// A file intake rejected never got its checks' mark; an admin's retry gives it one, so the running agent
    /// takes it (its probe stage checks the file again).
    @Test(arguments: StoreBackend.allCases) func manualRetryOfARejectedJobMakesItRunnable(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, dir in
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/big.mp4", watchName: "w", profile: "p")).id
            )
            try await db.apply(.settled, toJob: id, policy: policy)
            try await db.apply(.rejected(reason: "file too large"), toJob: id, policy: policy)
            let started = Date(timeIntervalSince1970: 0)
            #expect(try await db.runnableJobs(limit: 5, excluding: [], uncheckedBefore: started).isEmpty)
            try await db.apply(.retry(manual: true), toJob: id, policy: policy)
            #expect(
                try await db.runnableJobs(limit: 5, excluding: [], uncheckedBefore: started).compactMap(\.id) == [id]
            )
        }
    }

    @Test(arguments: StoreBackend.allCases) func videoIdComesFromTheContentAndDuplicatesShareIt(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, dir in
            let sha = String(repeating: "ab", count: 32)
            var ids: [Int64] = []
            for name in ["a.mp4", "copy of a.mp4"] {
                let file = FileObservation(
                    path: "/w/" + name,
                    device: 1,
                    inode: Int64(ids.count + 10),
                    size: 5,
                    mtimeNs: 1
                )
                let watch = WatchConfig(name: "w", file: "/etc/w.toml", path: "/w")
                let recorded = try #require(
                    try await db.recordStable(file, watch: watch, metadata: nil, policy: policy)
                )
                ids.append(try #require(recorded.job.id))
                _ = try await db.claimContent(sha, job: ids.last!, source: recorded.sourceId, policy: policy)
            }
            let first = try #require(try await db.job(id: ids[0]))
            let second = try #require(try await db.job(id: ids[1]))
            #expect(first.videoId == String(sha.prefix(24)))
            #expect(second.videoId == first.videoId)
            #expect(second.state == .duplicate)
            #expect(second.duplicateOf == ids[0])
        }
    }

    @Test(arguments: StoreBackend.allCases) func subscribersSeeEveryCommittedUpdateInOrderAndNoRollback(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, dir in
            let updates = db.updates.subscribe()
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "p")).id
            )
            try await db.apply(.settled, toJob: id, policy: policy)
            try await db.apply(.probeStarted, toJob: id, policy: policy)
            // Refused: nothing committed, nothing emitted.
            await #expect(throws: IllegalTransition.self) { try await db.apply(.published, toJob: id, policy: policy) }
            try await db.setProgress(job: id, percent: 42.5, etaSeconds: 7)
            try await db.apply(.transcodeStarted, toJob: id, policy: policy)
            var seen: [JobUpdate] = []
            for await update in updates {
                seen.append(update)
                if seen.count == 5 { break }
            }
            #expect(seen.map(\.kind) == [.transition, .transition, .transition, .progress, .transition])
            #expect(seen.map(\.state) == [.discovered, .stable, .probing, .probing, .transcoding])
            #expect(seen[3].percent == 42.5 && seen[3].etaSeconds == 7)
            #expect(seen.allSatisfy { $0.jobId == id && $0.sourcePath == "/w/a.mp4" })
            // Progress of the stage that ended is cleared.
            #expect(try await db.job(id: id)?.progress == nil)
        }
    }
}
