import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))

/// The behaviour every backend must share, run on SQLite and on PostgreSQL.
@Suite("Job store: jobs, transitions, lists")
struct JobStoreTests {
    @Test(arguments: StoreBackend.allCases) func everyTransitionCommitsAStageRow(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let job = try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "default"))
            let id = try #require(job.id)
            #expect(job.state == .discovered)
            #expect(job.videoId.count == 36, "a placeholder until the content hash is known")
            try await db.apply(.settled, toJob: id, policy: policy)
            try await db.apply(.probeStarted, toJob: id, policy: policy)
            let failed = try await db.apply(.failed(error: "worker killed by signal 11"), toJob: id, policy: policy)
            #expect(failed.state == .failed)
            #expect(failed.attempts == 1)
            #expect(failed.failedIn == .probing)
            #expect(failed.nextAttemptAt != nil)
            let stages = try await db.stages(ofJob: id)
            #expect(stages.map(\.toState) == [.discovered, .stable, .probing, .failed])
            #expect(stages.last?.message == "worker killed by signal 11")
            #expect(stages.last?.fromState == .probing)
        }
    }

    @Test(arguments: StoreBackend.allCases) func illegalTransitionWritesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            await #expect(throws: IllegalTransition.self) {
                try await db.apply(.published, toJob: id, policy: policy)
            }
            #expect(try await db.job(id: id)?.state == .discovered)
            #expect(try await db.stages(ofJob: id).count == 1)
            await #expect(throws: StoreError.jobNotFound(999)) {
                try await db.apply(.settled, toJob: 999, policy: policy)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases) func terminalStatesSetFinishedAt(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            let job = try await db.apply(.rejected(reason: "not a video file"), toJob: id, policy: policy)
            #expect(job.finishedAt != nil)
            #expect(job.lastError == "not a video file")
        }
    }

    @Test(arguments: StoreBackend.allCases) func listsFilterAndLimitNewestFirst(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            var ids: [Int64] = []
            for n in 0..<5 {
                let job = try await db.insertJob(NewJob(sourcePath: "/w/\(n).mp4", watchName: "w", profile: "p"))
                ids.append(try #require(job.id))
            }
            try await db.apply(.settled, toJob: ids[1], policy: policy)
            try await db.apply(.settled, toJob: ids[3], policy: policy)
            #expect(try await db.jobs(limit: 3).compactMap(\.id) == [ids[4], ids[3], ids[2]])
            #expect(try await db.jobs(state: .stable, limit: 10).compactMap(\.id) == [ids[3], ids[1]])
            #expect(try await db.jobs(state: .published, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases) func queueStatusCountsAndOldestWaiting(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let first = try await db.insertJob(NewJob(sourcePath: "/w/old.mp4", watchName: "w", profile: "p"), at: t0)
            let second = try await db.insertJob(
                NewJob(sourcePath: "/w/new.mp4", watchName: "w", profile: "p"),
                at: t0.addingTimeInterval(10)
            )
            let third = try await db.insertJob(
                NewJob(sourcePath: "/w/bad.mp4", watchName: "w", profile: "p"),
                at: t0.addingTimeInterval(20)
            )
            try await db.apply(.settled, toJob: try #require(second.id), policy: policy, at: t0.addingTimeInterval(30))
            try await db.apply(
                .failed(error: "x"),
                toJob: try #require(third.id),
                policy: policy,
                at: t0.addingTimeInterval(40)
            )
            let status = try await db.queueStatus()
            #expect(status.counts[.discovered] == 1)
            #expect(status.counts[.stable] == 1)
            #expect(status.counts[.failed] == 1)
            #expect(status.counts[.published] == 0)
            #expect(status.total == 3)
            #expect(status.oldestWaiting?.id == first.id)
            #expect(status.nextRetryAt == t0.addingTimeInterval(70))
        }
    }

    @Test(arguments: StoreBackend.allCases) func dueRetriesHonourTheClock(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            try await db.apply(.failed(error: "503"), toJob: id, policy: policy, at: t0)
            #expect(try await db.dueRetries(at: t0.addingTimeInterval(29)).isEmpty)
            #expect(try await db.dueRetries(at: t0.addingTimeInterval(30)).compactMap(\.id) == [id])
        }
    }
}
