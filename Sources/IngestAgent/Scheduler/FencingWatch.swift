import Foundation
import IngestCore
import Logging
import Synchronization

/// Stops this agent's jobs once no lease renewal succeeded for a whole lease, on a clock of its own: a database
/// that is unreachable can hold the scheduler's own calls up (waiting for a pooled connection), so the stop must
/// not wait for them. Other agents may take the jobs over from then on; a job whose fence still holds when the
/// database answers again is claimed afresh.
final class FencingWatch: Sendable {
    private struct State {
        var lastRenewal: ContinuousClock.Instant
        var running: [Int64: JobControl] = [:]
        var fenced = false
    }

    let lease: Duration
    private let state: Mutex<State>

    init(lease: Duration, now: ContinuousClock.Instant = .now) {
        self.lease = lease
        state = Mutex(State(lastRenewal: now))
    }

    func renewed(now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.lastRenewal = now
            $0.fenced = false
        }
    }

    func track(_ id: Int64, _ control: JobControl) { state.withLock { $0.running[id] = control } }
    func untrack(_ id: Int64) { _ = state.withLock { $0.running.removeValue(forKey: id) } }

    /// The jobs to stop now: all running ones, once per stretch without a renewal longer than the lease.
    func due(now: ContinuousClock.Instant = .now) -> [JobControl] {
        state.withLock { state in
            guard !state.fenced, now - state.lastRenewal >= lease, !state.running.isEmpty else { return [] }
            state.fenced = true
            return Array(state.running.values)
        }
    }

    /// Checks every second until cancelled.
    func run(logger: Logger) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let stopping = due()
            guard !stopping.isEmpty else { continue }
            logger.error(
                "no answer from the job database for longer than the lease: stopping every job",
                metadata: ["lease": "\(Units.formatDuration(lease))", "jobs": "\(stopping.count)"]
            )
            for control in stopping {
                control.stop(.leaseLost("the job database did not answer for longer than the lease"))
            }
        }
    }
}
