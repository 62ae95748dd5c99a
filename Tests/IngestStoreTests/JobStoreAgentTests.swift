import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private func agent(_ name: String, slots: Int = 2, lease: Double = 120) -> AgentRecord {
    AgentRecord(
        name: name,
        host: "host-\(name)",
        version: "1.2.3",
        slots: slots,
        leaseSeconds: lease,
        startedAt: Date(),
        lastHeartbeat: Date()
    )
}

@Suite("Job store: the agents of a fleet")
struct JobStoreAgentTests {
    @Test(arguments: StoreBackend.allCases) func agentsRegisterBeatAndStop(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let a = try await db.registerAgent(agent("a"))
            #expect(a.state == .active && a.host == "host-a" && a.slots == 2 && a.stoppedAt == nil)
            _ = try await db.registerAgent(agent("b", slots: 4))
            let beat = try #require(try await db.agentHeartbeat(name: "a"))
            #expect(beat.lastHeartbeat >= a.lastHeartbeat)
            #expect(try await db.agentHeartbeat(name: "nobody") == nil)

            var statuses = try await db.agentStatuses()
            #expect(statuses.map(\.agent.name) == ["a", "b"])
            #expect(statuses.map(\.state) == ["active", "active"])
            #expect(statuses[1].agent.slots == 4)

            try await db.agentStopped(name: "b")
            statuses = try await db.agentStatuses()
            #expect(statuses.map(\.state) == ["active", "gone"], "a clean stop shows at once")
            let restarted = try await db.registerAgent(agent("b", slots: 3))
            #expect(restarted.stoppedAt == nil && restarted.slots == 3)
            #expect(try await db.agentStatuses().map(\.state) == ["active", "active"])
        }
    }

    /// A drain ends with the restart it prepares; a quarantine waits for an admin, across restarts.
    @Test(arguments: StoreBackend.allCases) func drainLastsUntilRestartQuarantineUntilReleased(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            _ = try await db.registerAgent(agent("a"))
            #expect(try await db.setAgentState(name: "a", .draining, reason: "upgrade"))
            #expect(try await db.agentHeartbeat(name: "a")?.state == .draining, "the agent learns it at its heartbeat")
            #expect(try await db.registerAgent(agent("a")).state == .active)

            #expect(try await db.setAgentState(name: "a", .quarantined, reason: "last 3 jobs failed"))
            let again = try await db.registerAgent(agent("a"))
            #expect(again.state == .quarantined && again.reason == "last 3 jobs failed")
            #expect(try await db.setAgentState(name: "a", .active, reason: nil))
            #expect(try await db.agentHeartbeat(name: "a")?.state == .active)
            #expect(try await !db.setAgentState(name: "nobody", .draining, reason: nil))
        }
    }

    /// An agent silent for more than two of its leases is gone, by the store's clock; the jobs it holds are counted.
    @Test(arguments: StoreBackend.allCases) func silentAgentsAreGoneAndRunningJobsCounted(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            _ = try await db.registerAgent(agent("quick", lease: 0.05))
            _ = try await db.registerAgent(agent("steady"))
            let job = try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "default"))
            let id = try #require(job.id)
            try await db.apply(.settled, toJob: id, policy: RetryPolicy())
            try await db.markChecked(job: id)
            let claims = try await db.claimJobs(agent: "steady", limit: 1, lease: .seconds(60), uncheckedBefore: Date())
            #expect(claims.map(\.jobId) == [id])
            // Two leases of 50 ms.
            try await Task.sleep(for: .milliseconds(150))
            let statuses = try await db.agentStatuses()
            #expect(statuses.map(\.state) == ["gone", "active"])
            #expect(statuses.map(\.running) == [0, 1])
            #expect(statuses[0].silentFor > 0.1)
        }
    }
}
