import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// Agents on one PostgreSQL hear each other's job updates (LISTEN/NOTIFY): an idle agent wakes when another one
/// queues work, and each status page shows the whole fleet.
@Suite("PostgreSQL: other agents' updates relayed", .timeLimit(.minutes(1)))
struct PostgresRelayTests {
    @Test func updatesAndWakeUpsOfOtherAgentsArriveOwnOnesOnce() async throws {
        try await TestPostgres.withFreshDatabase { place in
            try await PostgresStore.withStore(place, logger: TestPostgres.logger, relayingOtherAgents: true) { b in
                try await PostgresStore.withStore(place, logger: TestPostgres.logger) { a in
                    try await Self.untilRelaying(from: a, to: b)
                    var updates = b.updates.subscribe().makeAsyncIterator()
                    var wakeups = b.updates.wakeups().makeAsyncIterator()

                    let job = try await a.insertJob(NewJob(sourcePath: "/w/x.mp4", watchName: "w", profile: "p"))
                    let id = try #require(job.id)
                    #expect(await Self.next(of: id, &updates)?.state == .discovered)
                    try await a.apply(.settled, toJob: id, policy: RetryPolicy())
                    let heard = try #require(await Self.next(of: id, &updates))
                    #expect(heard.jobId == id && heard.kind == .transition && heard.state == .stable)
                    #expect(heard.from == .discovered && heard.sourcePath == "/w/x.mp4")

                    try await a.markChecked(job: id)
                    #expect(await wakeups.next() != nil, "intake's checks done elsewhere wake this agent")

                    // Its own commits reach it once, from itself.
                    try await b.apply(.cancelled(reason: "by b"), toJob: id, policy: RetryPolicy())
                    let own = try #require(await Self.next(of: id, &updates))
                    #expect(own.state == .cancelled && own.message == "by b")
                    try await a.apply(.retry(manual: true), toJob: id, policy: RetryPolicy())
                    let next = try #require(await Self.next(of: id, &updates))
                    // Not a second copy of its own update.
                    #expect(next.event == "manual-retry" && next.state == .stable)
                }
            }
        }
    }

    /// The next update of job `id`: a late notification of the probe job may come first.
    private static func next(of id: Int64, _ updates: inout AsyncStream<JobUpdate>.Iterator) async -> JobUpdate? {
        while let update = await updates.next() {
            if update.jobId == id { return update }
        }
        return nil
    }

    /// The relay listens once its session is up; until then a notification passes unheard. Sends a throw-away
    /// job's updates from `a` until `b` hears one (at most 40 tries, half a second each).
    private static func untilRelaying(from a: PostgresStore, to b: PostgresStore) async throws {
        let probe = try await a.insertJob(NewJob(sourcePath: "/w/probe.mp4", watchName: "w", profile: "p"))
        let id = try #require(probe.id)
        try await a.apply(.settled, toJob: id, policy: RetryPolicy())
        for attempt in 0..<40 {
            let stream = b.updates.subscribe()
            let event: JobEvent = attempt.isMultiple(of: 2) ? .cancelled(reason: "probe") : .retry(manual: true)
            try await a.apply(event, toJob: id, policy: RetryPolicy())
            let heard = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in stream { return true }
                    return false
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(500))
                    return false
                }
                defer { group.cancelAll() }
                return await group.next() ?? false
            }
            if heard { return }
        }
        Issue.record("the relay never heard another agent's update")
    }
}
