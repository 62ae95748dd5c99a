import Foundation
import IngestCore
import IngestStore
import Logging
import ServiceLifecycle

/// Runs the queue: at most `agent.parallel_jobs` transcodes at once, in priority order (watch priority, then age,
/// FIFO inside a priority); a job whose transcode is done moves on to the upload stage (its own limit) and frees
/// its place for the next transcode. Re-queues failed jobs when their backoff is over, stops jobs an admin
/// cancelled (here or from another process), and on shutdown stops every job and puts it back in the queue.
///
/// Jobs are claimed, never just taken: with a lease this agent renews every quarter of it, so agents sharing one
/// database never run the same job. A job whose lease is lost (rescued by another agent, or the database out of
/// reach for longer than the lease) is stopped at once; leases other agents let expire are rescued here.
struct Scheduler: Service {
    let context: PipelineContext
    /// This build's version, for the agents table.
    let version: String

    enum Signal: Sendable {
        /// Look again: time passed, or the database changed.
        case tick
        case update(JobUpdate)
        case transcodeDone(Int64)
        case finished(Int64)
    }

    func run() async throws {
        let started = Date()
        let agent = context.box.config.agent.name
        // Read once: every claim this run takes has the same lease.
        let lease = context.box.config.database.lease
        await recoverInterrupted(agent: agent)
        context.lane.start()
        let (signals, signal) = AsyncStream<Signal>.makeStream()
        let updates = context.database.updates.subscribe()
        let wakeups = context.database.updates.wakeups()
        var jobs = RunningJobs()
        var controls: [Int64: JobControl] = [:]
        var leases = LeaseKeeper(lease: lease)
        let fencing = FencingWatch(lease: lease)
        var standing = AgentStanding(quarantineAfter: context.box.config.agent.quarantineAfter)
        let pace = PollPace(lease: lease, announcesChanges: context.database.announcesChanges)
        await register(agent: agent, lease: lease, standing: &standing)
        // A discarding group: a task group keeps each finished child until someone awaits it, and job runs are
        // never awaited one by one, so every finished job's task stayed in memory (about 30 KiB each).
        await withDiscardingTaskGroup { runners in
            await withTaskGroup(of: Void.self) { helpers in
                helpers.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: pace.interval)
                        signal.yield(.tick)
                    }
                }
                helpers.addTask {
                    for await update in updates { signal.yield(.update(update)) }
                }
                helpers.addTask {
                    for await _ in wakeups { signal.yield(.tick) }
                }
                helpers.addTask { [logger = context.logger] in await fencing.run(logger: logger) }
                signal.yield(.tick)
                for await event in signals.cancelOnGracefulShutdown() {
                    switch event {
                    case .tick:
                        await stopCancelled(controls)
                        await requeueDue()
                        if leases.heartbeatDue() {
                            await heartbeat(
                                &leases,
                                &standing,
                                fencing,
                                agent: agent,
                                claims: jobs.claims,
                                running: controls
                            )
                            await rescueExpired()
                        }
                    case .update(let update):
                        if jobs.mustStop(after: update) {
                            controls[update.jobId]?.stop(.cancelled(update.message ?? "cancelled"))
                        }
                        // Progress frees no slot and queues nothing.
                        if update.kind == .progress { continue }
                    case .transcodeDone(let id):
                        jobs.transcodeDone(id)
                    case .finished(let id):
                        jobs.finished(id)
                        controls[id] = nil
                        fencing.untrack(id)
                        await jobEnded(id, agent: agent, standing: &standing)
                        if standing.state == .draining, jobs.isEmpty {
                            context.logger.notice("drained: nothing runs any more; the agent can be stopped")
                        }
                    }
                    pace.jobsRunning(!jobs.isEmpty)
                    // Stops come from several places (cancellation, the fencing watch, lost leases): the flags are
                    // read here, just before the decision that depends on them.
                    for (id, control) in controls where control.isStopped { jobs.stopped(id) }
                    guard
                        let limit = jobs.claimLimit(
                            slots: context.box.config.agent.parallelJobs,
                            mayClaim: !leases.selfFenced && standing.mayClaim
                        )
                    else {
                        continue
                    }
                    let taken: [JobClaim]
                    do {
                        taken = try await context.database.claimJobs(
                            agent: agent,
                            limit: limit,
                            lease: lease,
                            uncheckedBefore: started,
                            watches: context.box.config.watches.map(\.name)
                        )
                    } catch {
                        context.logger.error("cannot claim from the queue", metadata: ["error": "\(error)"])
                        continue
                    }
                    let (start, stillRunning) = jobs.claimed(taken)
                    for id in stillRunning {
                        context.logger.error(
                            "claimed a job that still runs here; left to its lease",
                            metadata: ["job": "\(id)"]
                        )
                    }
                    for claim in start {
                        let id = claim.jobId
                        let control = JobControl()
                        controls[id] = control
                        fencing.track(id, control)
                        let runner = JobRunner(claim: claim, control: control, context: context) {
                            signal.yield(.transcodeDone(id))
                        }
                        runners.addTask {
                            await runner.run()
                            signal.yield(.finished(id))
                        }
                    }
                    pace.jobsRunning(!jobs.isEmpty)
                }
                helpers.cancelAll()
            }
            if !controls.isEmpty {
                context.logger.notice("stopping running jobs", metadata: ["jobs": "\(controls.count)"])
            }
            for control in controls.values { control.stop(.shutdown) }
            // Jobs end by themselves once stopped: workers get SIGTERM, then SIGKILL after the grace; uploads stop
            // at their next progress callback; database writes finish. The group waits for them as it closes.
        }
        context.lane.stop()
        do {
            try await context.database.agentStopped(name: agent)
        } catch {
            context.logger.warning("cannot record the stop in the agents table", metadata: ["error": "\(error)"])
        }
        context.logger.info("scheduler stopped")
    }

    /// This agent's jobs left in a working state when it died: back to the queue, where they resume from what
    /// their scratch folder and the upload journal hold. Jobs other agents hold are theirs (or the rescue's).
    private func recoverInterrupted(agent: String) async {
        do {
            for job in try await context.database.activeJobs() where job.claimedBy == nil || job.claimedBy == agent {
                guard let id = job.id else { continue }
                try await context.database.apply(
                    .interrupted(reason: "agent restarted while \(job.state.rawValue); resuming"),
                    toJob: id,
                    policy: context.box.config.retry
                )
                context.logger.notice(
                    "interrupted job back in the queue",
                    metadata: ["job": "\(id)", "path": "\(job.sourcePath)", "was": "\(job.state.rawValue)"]
                )
            }
        } catch {
            context.logger.error("cannot re-queue interrupted jobs", metadata: ["error": "\(error)"])
        }
    }

    /// Renews the leases of the running jobs; stops those whose lease is lost, and every job once the database has
    /// not answered for longer than a lease (self-fencing: another agent may have the jobs by now). The agent's own
    /// heartbeat in the agents table tells whether an admin drained or released it meanwhile.
    private func heartbeat(
        _ leases: inout LeaseKeeper,
        _ standing: inout AgentStanding,
        _ fencing: FencingWatch,
        agent: String,
        claims: [JobClaim],
        running: [Int64: JobControl]
    ) async {
        do {
            if let row = try await context.database.agentHeartbeat(name: agent) {
                if let changed = standing.observed(row.state) {
                    noteChange(to: changed, reason: row.reason, running: running.count)
                }
            } else {
                await register(agent: agent, lease: leases.lease, standing: &standing)
            }
            let lost = try await context.database.renewLeases(claims, lease: leases.lease)
            leases.renewed()
            fencing.renewed()
            for id in lost {
                running[id]?.stop(.leaseLost("job \(id) is no longer this agent's (its lease expired)"))
            }
        } catch {
            context.logger.error("cannot renew leases", metadata: ["error": "\(error)", "jobs": "\(claims.count)"])
            // Claims nothing meanwhile; `FencingWatch` stops the running jobs (also when this call never returns).
            _ = leases.renewalFailed()
        }
    }

    /// Records this agent in the agents table (a quarantine from its last run still holds).
    private func register(agent: String, lease: Duration, standing: inout AgentStanding) async {
        let config = context.box.config
        let record = AgentRecord(
            name: agent,
            host: AgentSettings.hostName,
            version: version,
            slots: config.agent.parallelJobs,
            leaseSeconds: lease.inSeconds,
            startedAt: Date(),
            lastHeartbeat: Date()
        )
        do {
            let row = try await context.database.registerAgent(record)
            if let changed = standing.observed(row.state) { noteChange(to: changed, reason: row.reason, running: 0) }
        } catch {
            context.logger.error("cannot register in the agents table", metadata: ["error": "\(error)"])
        }
    }

    /// Says what a change of the agent's state means for its work.
    private func noteChange(to state: AgentRecord.State, reason: String?, running: Int) {
        let why: Logger.Metadata = reason.map { ["reason": "\($0)"] } ?? [:]
        switch state {
        case .active:
            context.logger.notice("released: claiming jobs again")
        case .draining:
            context.logger.notice(
                "draining: finishing what runs, claiming nothing new",
                metadata: why.merging(["running": "\(running)"]) { $1 }
            )
            if running == 0 { context.logger.notice("drained: nothing runs any more; the agent can be stopped") }
        case .quarantined:
            context.logger.error(
                "quarantined: claiming nothing until `reel-ingest agents release \(context.box.config.agent.name)`",
                metadata: why
            )
        }
    }

    /// A job this agent ran has ended: a run of failures quarantines the agent.
    private func jobEnded(_ id: Int64, agent: String, standing: inout AgentStanding) async {
        guard let job = try? await context.database.job(id: id),
            let reason = standing.jobEnded(job.state, error: job.lastError)
        else { return }
        do {
            _ = try await context.database.setAgentState(name: agent, .quarantined, reason: reason)
            if let changed = standing.observed(.quarantined) { noteChange(to: changed, reason: reason, running: 0) }
        } catch {
            context.logger.error(
                "cannot quarantine this agent",
                metadata: ["error": "\(error)", "reason": "\(reason)"]
            )
        }
    }

    /// Jobs whose agent stopped renewing their lease (it died, hangs, or lost the database): failed with the
    /// reason, to be retried with backoff by whichever agent claims them next.
    private func rescueExpired() async {
        do {
            for job in try await context.database.rescueExpiredLeases(policy: context.box.config.retry) {
                context.logger.warning(
                    "rescued a job whose lease expired",
                    metadata: ["job": "\(job.jobId)", "agent": "\(job.agent)", "now": "\(job.state.rawValue)"]
                )
            }
        } catch {
            context.logger.error("cannot rescue expired leases", metadata: ["error": "\(error)"])
        }
    }

    /// Running jobs another process cancelled.
    private func stopCancelled(_ running: [Int64: JobControl]) async {
        guard !running.isEmpty, let states = try? await context.database.states(of: Set(running.keys)) else {
            return
        }
        for (id, state) in states where state == .cancelled {
            running[id]?.stop(.cancelled("cancelled by admin"))
        }
    }

    /// Failed jobs whose backoff is over go back to the queue.
    private func requeueDue() async {
        let now = Date()
        guard let due = try? await context.database.nextRetryDue(), due <= now,
            let jobs = try? await context.database.dueRetries(at: now)
        else { return }
        for job in jobs {
            guard let id = job.id else { continue }
            do {
                try await context.database.apply(.retry(manual: false), toJob: id, policy: context.box.config.retry)
                context.logger.info("retrying", metadata: ["job": "\(id)", "path": "\(job.sourcePath)"])
            } catch {
                // retry-sweep got there first.
            }
        }
    }
}
