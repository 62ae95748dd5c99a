import Foundation
import GRDB

/// The agents table on SQLite: one agent, its own clock.
extension SQLiteStore {
    public func registerAgent(_ agent: AgentRecord) async throws -> AgentRecord {
        let now = Date()
        return try await write { db in
            try AgentRecord.fetchOne(
                db,
                sql: AgentRecord.registration(now: "?"),
                arguments: StatementArguments(sql: agent.registrationArguments + [now, now])
            ) ?? agent
        }
    }

    public func agentHeartbeat(name: String) async throws -> AgentRecord? {
        let now = Date()
        return try await write { db in
            try db.execute(sql: "UPDATE agents SET last_heartbeat = ? WHERE name = ?", arguments: [now, name])
            return try AgentRecord.fetchOne(db, key: name)
        }
    }

    public func setAgentState(name: String, _ state: AgentRecord.State, reason: String?) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE agents SET state = ?, reason = ? WHERE name = ?",
                arguments: [state.rawValue, reason, name]
            )
            return db.changesCount > 0
        }
    }

    public func agentStopped(name: String) async throws {
        let now = Date()
        try await write { db in
            try db.execute(sql: "UPDATE agents SET stopped_at = ? WHERE name = ?", arguments: [now, name])
        }
    }

    public func agentStatuses() async throws -> [AgentStatus] {
        let now = Date()
        return try await pool.read { db in
            try Row.fetchAll(db, sql: AgentRecord.statusQuery()).map { row in
                AgentStatus(agent: try AgentRecord(row: row), running: row["running"] ?? 0, now: now)
            }
        }
    }
}
