import Foundation
import IngestCore

/// An agent's hold on one job: taken in one statement with the next runnable job, renewed by heartbeat, and
/// carried by every write the agent makes for that job. The fence grows at every claim, so a write from an agent
/// that lost the job (its lease expired and another agent claimed it, or an admin cancelled it) changes nothing and
/// raises `LeaseLost`.
public struct JobClaim: Sendable, Equatable {
    public var jobId: Int64
    public var agent: String
    public var fence: Int64
    /// The job as claimed.
    public var job: JobRecord

    public init(job: JobRecord, agent: String) throws {
        guard let id = job.id else { throw StoreError.jobNotFound(0) }
        self.jobId = id
        self.agent = agent
        self.fence = job.fence
        self.job = job
    }

    func holds(_ row: JobRecord) -> Bool { row.claimedBy == agent && row.fence == fence }
}

/// A fenced write found the job in other hands: the agent must stop working on it and write nothing more.
public struct LeaseLost: Error, Equatable, CustomStringConvertible {
    public var jobId: Int64
    public var agent: String

    public init(jobId: Int64, agent: String) {
        self.jobId = jobId
        self.agent = agent
    }

    public var description: String { "job \(jobId): agent \(agent) no longer holds its lease" }
}

/// A job whose claim lapsed, handed back by `rescueExpiredLeases`.
public struct RescuedJob: Sendable, Equatable {
    public var jobId: Int64
    /// The agent whose lease expired.
    public var agent: String
    /// The state the job was left in: `failed` (an attempt spent) or, for a job claimed but not started, `stable`.
    public var state: JobState

    public init(jobId: Int64, agent: String, state: JobState) {
        self.jobId = jobId
        self.agent = agent
        self.state = state
    }
}

extension JobRecord {
    /// Leaving the working states ends the claim (the fence stays, so it only grows).
    mutating func releaseClaimIfIdle() {
        if !state.isActive {
            claimedBy = nil
            leaseUntil = nil
        }
    }

    /// The reason a rescued job carries.
    static func leaseExpiredReason(agent: String) -> String { "lease expired on agent \(agent)" }
}
