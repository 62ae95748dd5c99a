import IngestCore
import IngestStore

/// The jobs this agent runs and what each one holds: its claim, whether it still holds a transcode slot, and
/// whether it was stopped and is still cleaning up. The scheduler's decisions about them (how many jobs to claim,
/// which claims to start, which runs an update stops) are made here on plain values; the scheduler's loop only
/// carries them out, so the policy is testable without processes, a database or a clock.
struct RunningJobs: Sendable {
    struct Run: Sendable, Equatable {
        var claim: JobClaim
        /// Holds a transcode slot until its transcode is done; the upload stage has a limit of its own.
        var transcoding = true
        /// Stopped (cancelled, lease lost, shutdown) and still cleaning up.
        var stopping = false
    }

    private(set) var runs: [Int64: Run] = [:]

    var isEmpty: Bool { runs.isEmpty }
    var count: Int { runs.count }
    var claims: [JobClaim] { runs.values.map(\.claim) }

    /// How many jobs to claim now, with `slots` transcodes at once (`agent.parallel_jobs`, read at each decision so
    /// that a reload takes effect at once); nil for none: every transcode slot is taken, the agent may not claim (fenced
    /// off from the database, drained or quarantined), or a stopped run still cleans up. That run's job may be
    /// claimable again (its lease ran out), and a second run of it would share its revision, scratch folder and
    /// slot; its clean-up could delete what the second run stores.
    func claimLimit(slots: Int, mayClaim: Bool) -> Int? {
        let free = slots - runs.values.count(where: \.transcoding)
        guard free > 0, mayClaim, !runs.values.contains(where: \.stopping) else { return nil }
        return free
    }

    /// Claims just taken: those to start here, and those of jobs that still run here. The second cannot happen
    /// while claims wait for stopped runs; if it does, the claim is left to its lease and the job is rescued rather
    /// than run twice here.
    mutating func claimed(_ taken: [JobClaim]) -> (start: [JobClaim], stillRunning: [Int64]) {
        var start: [JobClaim] = []
        var stillRunning: [Int64] = []
        for claim in taken {
            if runs[claim.jobId] != nil {
                stillRunning.append(claim.jobId)
            } else {
                runs[claim.jobId] = Run(claim: claim)
                start.append(claim)
            }
        }
        return (start, stillRunning)
    }

    /// The job's transcode is done: its slot is free for the next one while it uploads.
    mutating func transcodeDone(_ id: Int64) {
        runs[id]?.transcoding = false
    }

    /// The job was stopped, by whatever cause; it keeps its place until its run has finished cleaning up.
    mutating func stopped(_ id: Int64) {
        runs[id]?.stopping = true
    }

    /// Whether `update` (from this agent or another process) means a run here must stop: an admin cancelled it.
    func mustStop(after update: JobUpdate) -> Bool {
        update.state == .cancelled && runs[update.jobId] != nil
    }

    /// The job's run has ended (published, failed, stopped and cleaned up): its slot and place are free.
    mutating func finished(_ id: Int64) {
        runs[id] = nil
    }
}
