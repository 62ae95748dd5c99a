import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))
/// A lease that has run out the moment it is taken: lets a test expire a claim without waiting.
private let expired: Duration = .seconds(-1)

private func queue(_ db: any JobStore, _ count: Int) async throws -> [Int64] {
    var watch = WatchConfig(name: "w", file: "/etc/reel-ingest/watches.d/w.toml", path: "/srv/w")
    watch.priority = 0
    let files = (0..<count).map {
        (
            FileObservation(path: "/srv/w/\($0).mp4", device: 1, inode: Int64($0 + 1), size: 10, mtimeNs: 1),
            metadata: String?.none
        )
    }
    let ids = try await db.recordStable(files, watch: watch, policy: policy).compactMap { $0?.job.id }
    for id in ids { try await db.markChecked(job: id) }
    return ids
}

@Suite("Job store: claims, leases and fences")
struct JobStoreClaimTests {
    /// Intake's checks make a job runnable without a state change: the scheduler is woken for it, not left to its
    /// next poll.
    @Test(.timeLimit(.minutes(1)), arguments: StoreBackend.allCases) func aCheckedJobWakesTheScheduler(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            var wakeups = db.updates.wakeups().makeAsyncIterator()
            _ = try await queue(db, 1)
            #expect(await wakeups.next() != nil)
        }
    }

    /// Two agents claiming from one queue at the same time: every job goes to exactly one of them.
    @Test(arguments: StoreBackend.allCases) func twoAgentsClaimingAtOnceNeverShareAJob(backend: StoreBackend)
        async throws
    {
        try await backend.withTwoStores { first, second in
            let ids = try await queue(first, 30)
            async let a = Self.drain(first, agent: "a")
            async let b = Self.drain(second, agent: "b")
            let (claimedByA, claimedByB) = try await (a, b)
            #expect(Set(claimedByA).isDisjoint(with: claimedByB))
            #expect((claimedByA + claimedByB).sorted() == ids, "every job claimed, none twice")
            let job = try #require(try await first.job(id: ids[0]))
            #expect(job.fence == 1 && ["a", "b"].contains(job.claimedBy ?? ""))
        }
    }

    private static func drain(_ db: any JobStore, agent: String) async throws -> [Int64] {
        var claimed: [Int64] = []
        while true {
            let claims = try await db.claimJobs(
                agent: agent,
                limit: 2,
                lease: .seconds(120),
                uncheckedBefore: .distantPast
            )
            if claims.isEmpty { return claimed }
            claimed += claims.map(\.jobId)
        }
    }

    /// The claim follows the queue's order and takes nothing held by a live lease.
    @Test(arguments: StoreBackend.allCases) func claimsTakeTheQueueInOrderAndSkipHeldJobs(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let ids = try await queue(db, 4)
            let first = try await db.claimJobs(
                agent: "a",
                limit: 2,
                lease: .seconds(120),
                uncheckedBefore: .distantPast
            )
            #expect(first.map(\.jobId) == [ids[0], ids[1]])
            #expect(first.allSatisfy { $0.fence == 1 && $0.agent == "a" })
            let runnable = try await db.runnableJobs(limit: 10, excluding: [], uncheckedBefore: .distantPast)
            #expect(runnable.compactMap(\.id) == [ids[2], ids[3]], "held jobs are not runnable")
            let second = try await db.claimJobs(
                agent: "b",
                limit: 5,
                lease: .seconds(120),
                uncheckedBefore: .distantPast
            )
            #expect(second.map(\.jobId) == [ids[2], ids[3]])
            #expect(try await db.renewLeases(first + second, lease: .seconds(120)).isEmpty)
        }
    }

    /// An agent whose lease ran out loses the job: the rescue spends an attempt, the job is claimed again with a
    /// higher fence, and every write the first agent still makes is refused.
    @Test(arguments: StoreBackend.allCases) func anExpiredLeaseIsRescuedAndTheOldHolderFenced(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let ids = try await queue(db, 1)
            let stale = try #require(
                try await db.claimJobs(agent: "a", limit: 1, lease: expired, uncheckedBefore: .distantPast).first
            )
            try await db.apply(.probeStarted, toJob: ids[0], policy: policy, claim: stale)
            try await db.apply(.transcodeStarted, toJob: ids[0], policy: policy, claim: stale)

            let rescued = try await db.rescueExpiredLeases(policy: policy)
            #expect(rescued == [RescuedJob(jobId: ids[0], agent: "a", state: .failed)])
            let failed = try #require(try await db.job(id: ids[0]))
            #expect(failed.lastError == "lease expired on agent a")
            #expect(failed.attempts == 1 && failed.nextAttemptAt != nil && failed.claimedBy == nil)
            #expect(try await db.renewLeases([stale], lease: .seconds(120)) == [ids[0]])
            await #expect(throws: LeaseLost(jobId: ids[0], agent: "a")) {
                try await db.apply(.uploadStarted, toJob: ids[0], policy: policy, claim: stale)
            }

            try await db.apply(.retry(manual: true), toJob: ids[0], policy: policy)
            let fresh = try #require(
                try await db.claimJobs(agent: "b", limit: 1, lease: .seconds(120), uncheckedBefore: .distantPast).first
            )
            #expect(fresh.fence == stale.fence + 1)
            try await db.apply(.probeStarted, toJob: ids[0], policy: policy, claim: fresh)
            await #expect(throws: LeaseLost(jobId: ids[0], agent: "a")) {
                try await db.setRevision(job: ids[0], "stale-revision", claim: stale)
            }
            await #expect(throws: LeaseLost(jobId: ids[0], agent: "a")) {
                try await db.completePublication(job: ids[0], revision: "stale-revision", policy: policy, claim: stale)
            }
            try await db.setProgress(job: ids[0], percent: 99, etaSeconds: 1, claim: stale)
            let job = try #require(try await db.job(id: ids[0]))
            #expect(job.state == .probing && job.claimedBy == "b" && job.revision == nil && job.progress == nil)
            try await db.setRevision(job: ids[0], "r-of-b", claim: fresh)
            #expect(try await db.job(id: ids[0])?.revisionBy == "b", "the revision names the agent that chose it")
            try await db.setProgress(job: ids[0], percent: 10, etaSeconds: 9, claim: fresh)
            #expect(try await db.job(id: ids[0])?.progress == 10)
        }
    }

    /// A job claimed but never started goes back to the queue when its lease runs out, without spending an
    /// attempt; a cancelled job's claim ends with the cancellation.
    @Test(arguments: StoreBackend.allCases) func unstartedClaimsReturnAndCancellationEndsAClaim(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            let ids = try await queue(db, 2)
            let claims = try await db.claimJobs(agent: "a", limit: 2, lease: expired, uncheckedBefore: .distantPast)
            #expect(claims.count == 2)
            try await db.apply(.probeStarted, toJob: ids[1], policy: policy, claim: claims[1])
            try await db.apply(.cancelled(reason: "cancelled by admin"), toJob: ids[1], policy: policy)
            #expect(try await db.job(id: ids[1])?.claimedBy == nil)
            await #expect(throws: LeaseLost(jobId: ids[1], agent: "a")) {
                try await db.apply(.transcodeStarted, toJob: ids[1], policy: policy, claim: claims[1])
            }

            let rescued = try await db.rescueExpiredLeases(policy: policy)
            #expect(rescued == [RescuedJob(jobId: ids[0], agent: "a", state: .stable)])
            let back = try #require(try await db.job(id: ids[0]))
            #expect(back.state == .stable && back.attempts == 0 && back.claimedBy == nil)
            #expect(try await db.rescueExpiredLeases(policy: policy).isEmpty)
            let again = try await db.claimJobs(
                agent: "b",
                limit: 5,
                lease: .seconds(120),
                uncheckedBefore: .distantPast
            )
            #expect(again.map(\.jobId) == [ids[0]])
        }
    }
}
