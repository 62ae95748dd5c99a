import Foundation
import IngestCore
import Testing

@testable import IngestAgent
@testable import IngestStore

@Suite("Running jobs: what the scheduler claims, starts and stops")
struct RunningJobsTests {
    /// A claim of job `id` at `fence`, as the store hands one out.
    private func claim(_ id: Int64, fence: Int64 = 1) throws -> JobClaim {
        var job = JobRecord.discovered(
            NewJob(sourcePath: "/share/\(id).mp4", watchName: "share", profile: "default"),
            at: Date(timeIntervalSince1970: 0)
        )
        job.id = id
        job.fence = fence
        return try JobClaim(job: job, agent: "agent-a")
    }

    private func update(_ id: Int64, _ state: JobState) -> JobUpdate {
        JobUpdate(
            kind: .transition,
            jobId: id,
            videoId: "v\(id)",
            state: state,
            attempts: 1,
            sourcePath: "/share/\(id).mp4",
            watchName: "share",
            at: Date(timeIntervalSince1970: 0)
        )
    }

    @Test func claimsAsManyAsTranscodeSlotsAreFreeAndAnUploadingJobHoldsNone() throws {
        var jobs = RunningJobs()
        #expect(jobs.claimLimit(slots: 2, mayClaim: true) == 2)
        let (start, stillRunning) = jobs.claimed([try claim(1), try claim(2)])
        #expect(start.map(\.jobId) == [1, 2] && stillRunning.isEmpty)
        #expect(jobs.claimLimit(slots: 2, mayClaim: true) == nil, "both slots transcode")
        jobs.transcodeDone(1)
        #expect(jobs.claimLimit(slots: 2, mayClaim: true) == 1, "job 1 uploads: its transcode slot is free")
        #expect(jobs.count == 2, "an uploading job still runs here")
        jobs.finished(1)
        jobs.finished(2)
        #expect(jobs.isEmpty && jobs.claimLimit(slots: 2, mayClaim: true) == 2)
    }

    @Test func anAgentThatMayNotClaimClaimsNothingWhateverIsFree() {
        let jobs = RunningJobs()
        #expect(jobs.claimLimit(slots: 3, mayClaim: false) == nil)
    }

    /// The interleaving a fleet met: an agent cut off from the database stopped its job; before that run had
    /// cleaned up, the job's lease ran out and the same agent could claim it afresh under the same revision, and the
    /// old run's clean-up would have deleted what the new run stored.
    @Test func aStoppedRunStillCleaningUpHoldsBackEveryClaim() throws {
        var jobs = RunningJobs()
        _ = jobs.claimed([try claim(7)])
        #expect(jobs.claimLimit(slots: 2, mayClaim: true) == 1)
        jobs.stopped(7)
        #expect(jobs.claimLimit(slots: 2, mayClaim: true) == nil, "one free slot, but a stopped run still cleans up")
        jobs.transcodeDone(7)
        #expect(
            jobs.claimLimit(slots: 2, mayClaim: true) == nil,
            "its transcode slot is free; its clean-up is not done"
        )
        jobs.finished(7)
        #expect(jobs.claimLimit(slots: 2, mayClaim: true) == 2)
    }

    @Test func aClaimOfAJobThatStillRunsHereIsNotStartedAgain() throws {
        var jobs = RunningJobs()
        _ = jobs.claimed([try claim(7, fence: 1)])
        let (start, stillRunning) = jobs.claimed([try claim(7, fence: 2), try claim(8)])
        #expect(start.map(\.jobId) == [8])
        #expect(stillRunning == [7])
        #expect(jobs.runs[7]?.claim.fence == 1, "the running job keeps the claim it runs under")
    }

    @Test func aCancellationStopsOnlyAJobThatRunsHere() throws {
        var jobs = RunningJobs()
        _ = jobs.claimed([try claim(3)])
        #expect(jobs.mustStop(after: update(3, .cancelled)))
        #expect(!jobs.mustStop(after: update(4, .cancelled)), "not ours")
        #expect(!jobs.mustStop(after: update(3, .uploading)))
    }

    @Test func stopsAndEndsOfJobsNotRunningHereChangeNothing() throws {
        var jobs = RunningJobs()
        jobs.stopped(9)
        jobs.transcodeDone(9)
        jobs.finished(9)
        #expect(jobs.isEmpty && jobs.claimLimit(slots: 1, mayClaim: true) == 1)
        _ = jobs.claimed([try claim(1)])
        jobs.finished(2)
        #expect(jobs.claims.map(\.jobId) == [1])
    }
}
