import Foundation
import GRDB

/// A row of `agents`: one agent of the fleet sharing this store (a single agent on SQLite has one row too).
/// Written by the agent at start, at every heartbeat and at a clean stop; `state` is also set by admins
/// (`reel-ingest agents drain|release`) and by the agent itself when it quarantines.
public struct AgentRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "agents"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case name
        case host
        case version
        case slots
        case leaseSeconds = "lease_seconds"
        case state
        case reason
        case startedAt = "started_at"
        case lastHeartbeat = "last_heartbeat"
        case stoppedAt = "stopped_at"
    }

    public enum State: String, Codable, Sendable, CaseIterable {
        /// Claims jobs when it has a free slot.
        case active
        /// Finishes what it runs and claims nothing new, until it restarts or an admin releases it.
        case draining
        /// Its last jobs all failed: claims nothing until an admin releases it, also across restarts.
        case quarantined
    }

    public var name: String
    public var host: String
    public var version: String
    /// `[agent] parallel_jobs`.
    public var slots: Int
    /// Its lease: a heartbeat older than two leases means the agent is gone.
    public var leaseSeconds: Double
    public var state: State
    /// Why it drains or is quarantined.
    public var reason: String?
    public var startedAt: Date
    public var lastHeartbeat: Date
    /// Set by a clean stop, cleared at start.
    public var stoppedAt: Date?

    public init(
        name: String,
        host: String,
        version: String,
        slots: Int,
        leaseSeconds: Double,
        state: State = .active,
        reason: String? = nil,
        startedAt: Date,
        lastHeartbeat: Date,
        stoppedAt: Date? = nil
    ) {
        self.name = name
        self.host = host
        self.version = version
        self.slots = slots
        self.leaseSeconds = leaseSeconds
        self.state = state
        self.reason = reason
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.stoppedAt = stoppedAt
    }

    /// Stopped cleanly, or silent for longer than two leases (killed, frozen, cut off) by the store's clock `now`.
    public func isGone(now: Date) -> Bool {
        stoppedAt != nil || now.timeIntervalSince(lastHeartbeat) > 2 * leaseSeconds
    }
}

/// An agent as `reel-ingest agents`, the API and the page show it.
public struct AgentStatus: Sendable, Equatable {
    public var agent: AgentRecord
    /// Jobs it holds a claim on now.
    public var running: Int
    /// Seconds since its last heartbeat, by the store's clock.
    public var silentFor: Double
    /// `active`, `draining`, `quarantined`, or `gone`.
    public var state: String

    public init(agent: AgentRecord, running: Int, now: Date) {
        self.agent = agent
        self.running = running
        self.silentFor = max(0, now.timeIntervalSince(agent.lastHeartbeat))
        self.state = agent.isGone(now: now) ? "gone" : agent.state.rawValue
    }
}

extension AgentRecord {
    /// Registration, written once for both stores: `now` is `?` (this process's time, SQLite) or `now()` (the
    /// database's). Arguments: name, host, version, slots, lease seconds, then `now` twice when it is `?`.
    static func registration(now: String) -> String {
        """
        INSERT INTO agents (name, host, version, slots, lease_seconds, state, started_at, last_heartbeat)
        VALUES (?, ?, ?, ?, ?, 'active', \(now), \(now))
        ON CONFLICT (name) DO UPDATE SET host = excluded.host, version = excluded.version,
            slots = excluded.slots, lease_seconds = excluded.lease_seconds, started_at = excluded.started_at,
            last_heartbeat = excluded.last_heartbeat, stopped_at = NULL,
            state = CASE WHEN agents.state = 'quarantined' THEN 'quarantined' ELSE 'active' END,
            reason = CASE WHEN agents.state = 'quarantined' THEN agents.reason ELSE NULL END
        RETURNING *
        """
    }

    var registrationArguments: [any SQLBindable] { [name, host, version, Int64(slots), leaseSeconds] }

    /// Every agent with the number of jobs it holds a claim on (`running`), by name, in one statement (the fleet
    /// view is read on every refresh of the page); `clock` adds the database's time as `database_now`. The count
    /// goes through `jobs_on_lease`, whose rows are the claimed jobs only.
    static func statusQuery(clock: String? = nil) -> String {
        let now = clock.map { ", \($0) AS database_now" } ?? ""
        return """
            SELECT agents.*, (
                SELECT COUNT(*) FROM video_processing_jobs
                WHERE claimed_by = agents.name AND claimed_by IS NOT NULL
            ) AS running\(now)
            FROM agents ORDER BY name
            """
    }
}

extension AgentStatus: Encodable {
    private enum Keys: String, CodingKey {
        case name, host, version, slots, state, reason, running
        case leaseSeconds = "lease_seconds"
        case startedAt = "started_at"
        case lastHeartbeat = "last_heartbeat"
        case silentSeconds = "silent_seconds"
    }

    /// Flat, in the JSON the CLI and the API give.
    public func encode(to encoder: any Encoder) throws {
        var out = encoder.container(keyedBy: Keys.self)
        try out.encode(agent.name, forKey: .name)
        try out.encode(agent.host, forKey: .host)
        try out.encode(agent.version, forKey: .version)
        try out.encode(agent.slots, forKey: .slots)
        try out.encode(state, forKey: .state)
        try out.encodeIfPresent(agent.reason, forKey: .reason)
        try out.encode(running, forKey: .running)
        try out.encode(agent.leaseSeconds, forKey: .leaseSeconds)
        try out.encode(agent.startedAt, forKey: .startedAt)
        try out.encode(agent.lastHeartbeat, forKey: .lastHeartbeat)
        try out.encode((silentFor * 10).rounded() / 10, forKey: .silentSeconds)
    }
}
