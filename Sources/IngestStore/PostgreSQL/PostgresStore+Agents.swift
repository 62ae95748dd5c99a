import Foundation

/// The agents table on PostgreSQL: heartbeats and "gone" measured by the database's clock.
extension PostgresStore {
    public func registerAgent(_ agent: AgentRecord) async throws -> AgentRecord {
        try await write { session, _ in
            try await session.fetchOne(
                AgentRecord.self,
                AgentRecord.registration(now: "now()"),
                agent.registrationArguments
            ) ?? agent
        }
    }

    public func agentHeartbeat(name: String) async throws -> AgentRecord? {
        try await write { session, _ in
            try await session.fetchOne(
                AgentRecord.self,
                "UPDATE agents SET last_heartbeat = now() WHERE name = ? RETURNING *",
                [name]
            )
        }
    }

    public func setAgentState(name: String, _ state: AgentRecord.State, reason: String?) async throws -> Bool {
        try await write { session, _ in
            try await session.changes(
                "UPDATE agents SET state = ?, reason = ? WHERE name = ? RETURNING name",
                [state, reason, name]
            ) > 0
        }
    }

    public func agentStopped(name: String) async throws {
        try await write { session, _ in
            try await session.execute("UPDATE agents SET stopped_at = now() WHERE name = ?", [name])
        }
    }

    public func agentStatuses() async throws -> [AgentStatus] {
        try await read { session in
            try await session.rows(AgentRecord.statusQuery(clock: "now()")).map { row in
                let agent: AgentRecord
                do { agent = try AgentRecord(from: PostgresRowDecoder(row: row)) } catch {
                    throw PostgresStoreError(error)
                }
                let running = try session.decode(Int64.self, row["running"]) ?? 0
                let now = try session.decode(Date.self, row["database_now"]) ?? Date()
                return AgentStatus(agent: agent, running: Int(running), now: now)
            }
        }
    }
}
