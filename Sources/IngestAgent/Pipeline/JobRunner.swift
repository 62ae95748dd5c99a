import Foundation
import IngestCore
import IngestPublish
import IngestStore
import IngestWatcher
import Logging
import Metrics
import Synchronization

/// Takes one job from `stable` to `published`: probe, transcode in the worker (uploading each segment as it is
/// finished), publish the manifests and `video.json`, purge and pre-warm the CDN, tidy up. Every transition is
/// committed before the work it allows; any failure becomes the job's `failed` state with a reason (and backoff),
/// never an error of the agent. Stopped by an admin (cancelled) or by the agent's shutdown (back to the queue).
final class JobRunner: Sendable {
    let job: JobRecord
    let id: Int64
    /// The source on this machine: the job's path under this agent's folder for its watch; nil when this agent has
    /// no such watch (removed by a reload since the claim), which the probe reports.
    let localSource: String?
    var sourcePath: String { localSource ?? job.sourcePath }
    /// This agent's hold on the job: every write for it carries the claim, and one the store refuses stops the run.
    let claim: JobClaim
    let control: JobControl
    let context: PipelineContext
    let logger: Logger
    /// The revision this run writes into, once chosen: what a run that lost its lease removes.
    let revision = Mutex<String?>(nil)
    /// This run's uploads, once the transcode started them: a stopped run waits for them to end.
    let uploads = Mutex<PublicationUploads?>(nil)
    /// Called once the transcode is over (or the run ends before it), so the scheduler can start the next one.
    let transcodeFinished: @Sendable () -> Void

    init(
        claim: JobClaim,
        control: JobControl,
        context: PipelineContext,
        transcodeFinished: @escaping @Sendable () -> Void
    ) {
        self.job = claim.job
        self.id = claim.jobId
        self.localSource = context.box.config.localSourcePath(claim.job.sourcePath, watch: claim.job.watchName)
        self.claim = claim
        self.control = control
        self.context = context
        self.transcodeFinished = transcodeFinished
        var logger = context.logger
        logger[metadataKey: "job"] = "\(claim.jobId)"
        logger[metadataKey: "path"] = "\(localSource ?? claim.job.sourcePath)"
        self.logger = logger
    }

    var config: AgentConfig { context.box.config }
    var database: any JobStore { context.database }

    /// The whole run. Never throws: every outcome is a committed state.
    func run() async {
        let started = Date()
        var released = false
        let release = { [transcodeFinished] in
            if !released {
                released = true
                transcodeFinished()
            }
        }
        defer { release() }
        var stage = "probing"
        do {
            let probed = try await probe()
            stage = "transcoding"
            let output = try await transcode(probed)
            try await checkSourceUnchanged(since: "the transcode started")
            KillPoint.betweenTranscodeAndUpload.reached()
            release()
            stage = "uploading"
            guard
                await context.uploadSlots.acquire(job: id, priority: job.priority, control: control)
            else { throw JobStopped(reason: control.reason ?? .shutdown) }
            defer { context.uploadSlots.release() }
            let published = try await publish(probed, output: output)
            stage = "distributing"
            try await distribute(probed, published: published)
            Timer(label: "reel_ingest_stage_seconds", dimensions: [("stage", "total"), ("format", "all")])
                .recordSeconds(Date().timeIntervalSince(started))
        } catch let stopped as JobStopped {
            await stoppedRun(stopped.reason)
        } catch let rejection as StageRejection {
            await reject(rejection)
        } catch let noRoom as NoRoom {
            await waitForRoom(noRoom)
        } catch let lost as LeaseLost {
            control.stop(.leaseLost(lost.description))
            await stoppedRun(control.reason ?? .leaseLost(lost.description))
        } catch {
            // A stop makes uploads and the worker fail on their own terms; the stop is what happened.
            if let reason = control.reason {
                await stoppedRun(reason)
            } else {
                await fail(error, stage: stage)
            }
        }
    }

    /// Throws `JobStopped` when an admin or the shutdown stopped the job.
    func checkStopped() throws(JobStopped) {
        if let reason = control.reason { throw JobStopped(reason: reason) }
    }

    /// Applies `event`; a job someone else moved on meanwhile (cancelled by the CLI) stops the run.
    @discardableResult
    func transition(_ event: JobEvent) async throws -> JobRecord {
        do {
            let updated = try await database.apply(event, toJob: id, policy: config.retry, claim: claim)
            logger.info("\(updated.state.rawValue)", metadata: ["event": "\(event.name)"])
            return updated
        } catch let illegal as IllegalTransition {
            if illegal.from == .cancelled {
                control.stop(.cancelled("cancelled while running"))
                throw JobStopped(reason: .cancelled("cancelled while running"))
            }
            throw illegal
        } catch let lost as LeaseLost {
            control.stop(.leaseLost(lost.description))
            throw JobStopped(reason: .leaseLost(lost.description))
        }
    }

    /// Records one measurement of this job (kept light: a failure to record never fails the job).
    func measure(_ metric: String, _ value: Double, format: String? = nil, detail: String? = nil) async {
        try? await database.recordAnalytics([
            AnalyticsRecord(jobId: id, metric: metric, value: value, format: format, detail: detail, at: Date())
        ])
    }
}
