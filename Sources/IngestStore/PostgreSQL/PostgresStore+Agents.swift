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
            let now = try await session.scalar(Date.self, "SELECT now()") ?? Date()
            var running: [String: Int] = [:]
            for row in try await session.rows(AgentRecord.runningCounts) {
                if let name = try session.decode(String.self, row[0]) {
                    running[name] = Int(try session.decode(Int64.self, row[1]) ?? 0)
                }
            }
            return try await session.fetchAll(AgentRecord.self, "SELECT * FROM agents ORDER BY name").map {
                AgentStatus(agent: $0, running: running[$0.name] ?? 0, now: now)
            }
        }
    }
}
