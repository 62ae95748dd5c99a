import IngestCore
import IngestStore

/// Whether this agent may claim jobs: what the agents table says (an admin's drain or release, its own
/// quarantine) and the run of failed jobs that quarantines it. A plain value the scheduler feeds, so the policy is
/// testable without a database.
struct AgentStanding: Sendable {
    /// `[agent] quarantine_after`; 0: never.
    let quarantineAfter: Int
    private(set) var state: AgentRecord.State = .active
    /// Jobs that failed on this agent since the last one that published.
    private(set) var failuresInARow = 0

    var mayClaim: Bool { state == .active }

    /// The state the store holds now; returns it when it is a change (nil: nothing new to say).
    mutating func observed(_ stored: AgentRecord.State) -> AgentRecord.State? {
        guard stored != state else { return nil }
        state = stored
        if stored == .active { failuresInARow = 0 }
        return stored
    }

    /// A job this agent ran ended in `outcome`. Returns the reason to quarantine when this failure completes a run
    /// of `quarantineAfter` (a job that published, or was found a duplicate, ends the run; a rejected file or a
    /// cancelled job says nothing about the agent).
    mutating func jobEnded(_ outcome: JobState, error: String?) -> String? {
        switch outcome {
        case .published, .duplicate:
            failuresInARow = 0
        case .failed:
            failuresInARow += 1
            if quarantineAfter > 0, failuresInARow >= quarantineAfter, state != .quarantined {
                return "the last \(failuresInARow) jobs failed on this agent (the last: \(error ?? "no reason"))"
            }
        default:
            break
        }
        return nil
    }
}
