import Foundation
import IngestCore
import IngestStore
import Logging
import ServiceLifecycle

/// Runs the queue: at most `agent.parallel_jobs` transcodes at once, in priority order (watch priority, then age,
/// FIFO inside a priority); a job whose transcode is done moves on to the upload stage (its own limit) and frees
/// its place for the next transcode. Re-queues failed jobs when their backoff is over, stops jobs an admin
/// cancelled (here or from another process), and on shutdown stops every job and puts it back in the queue.
struct Scheduler: Service {
    let context: PipelineContext

    enum Signal: Sendable {
        /// Look again: time passed, or the database changed.
        case tick
        case update(JobUpdate)
        case transcodeDone(Int64)
        case finished(Int64)
    }

    /// How often the database is looked at for changes made by other processes (`jobs cancel`, `retry-sweep`).
    static let pollInterval: Duration = .seconds(1)

    func run() async throws {
        let started = Date()
        await recoverInterrupted()
        context.lane.start()
        let (signals, signal) = AsyncStream<Signal>.makeStream()
        let updates = context.database.updates.subscribe()
        var running: [Int64: JobControl] = [:]
        var transcoding: Set<Int64> = []
        await withTaskGroup(of: Void.self) { runners in
            await withTaskGroup(of: Void.self) { helpers in
                helpers.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.pollInterval)
                        signal.yield(.tick)
                    }
                }
                helpers.addTask {
                    for await update in updates { signal.yield(.update(update)) }
                }
                signal.yield(.tick)
                for await event in signals.cancelOnGracefulShutdown() {
                    switch event {
                    case .tick:
                        await stopCancelled(running)
                        await requeueDue()
                    case .update(let update):
                        if update.state == .cancelled, let control = running[update.jobId] {
                            control.stop(.cancelled(update.message ?? "cancelled"))
                        }
                    case .transcodeDone(let id):
                        transcoding.remove(id)
                    case .finished(let id):
                        running[id] = nil
                        transcoding.remove(id)
                    }
                    let free = context.box.config.agent.parallelJobs - transcoding.count
                    guard free > 0 else { continue }
                    let jobs: [JobRecord]
                    do {
                        jobs = try await context.database.runnableJobs(
                            limit: free,
                            excluding: Set(running.keys),
                            uncheckedBefore: started
                        )
                    } catch {
                        context.logger.error("cannot read the queue", metadata: ["error": "\(error)"])
                        continue
                    }
                    for job in jobs {
                        guard let id = job.id else { continue }
                        let control = JobControl()
                        running[id] = control
                        transcoding.insert(id)
                        let runner = JobRunner(job: job, id: id, control: control, context: context) {
                            signal.yield(.transcodeDone(id))
                        }
                        runners.addTask {
                            await runner.run()
                            signal.yield(.finished(id))
                        }
                    }
                }
                helpers.cancelAll()
            }
            if !running.isEmpty {
                context.logger.notice("stopping running jobs", metadata: ["jobs": "\(running.count)"])
            }
            for control in running.values { control.stop(.shutdown) }
            // Jobs end by themselves once stopped: workers get SIGTERM, then SIGKILL after the grace; uploads stop
            // at their next progress callback; database writes finish.
            await runners.waitForAll()
        }
        context.lane.stop()
        context.logger.info("scheduler stopped")
    }

    /// Jobs left in a working state by an agent that died: back to the queue, where they resume from what their
    /// scratch folder and the upload journal hold.
    private func recoverInterrupted() async {
        do {
            for job in try await context.database.activeJobs() {
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
