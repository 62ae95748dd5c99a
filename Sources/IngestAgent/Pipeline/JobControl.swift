import Synchronization

/// The switches of one running job, flipped by the scheduler and read by the job's worker and upload threads: an
/// admin cancelled it, or the agent is stopping. Handlers registered with `onStop` run once, on the thread that
/// stops the job (they only send signals or set flags).
final class JobControl: Sendable {
    enum Reason: Sendable, Equatable {
        /// An admin (CLI, API) cancelled the job: stop, clean up what it left, keep it cancelled.
        case cancelled(String)
        /// The agent is shutting down: stop, keep what is done, put the job back in the queue.
        case shutdown
        /// The job is no longer this agent's (its lease expired and it was rescued, or the database was out of reach
        /// for longer than the lease): stop at once and write nothing more for it.
        case leaseLost(String)
    }

    private struct State {
        var reason: Reason?
        var handlers: [Int: @Sendable (Reason) -> Void] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    var reason: Reason? { state.withLock { $0.reason } }
    var isStopped: Bool { reason != nil }

    /// Stops the job for `reason`; later calls are ignored (the first reason wins).
    func stop(_ reason: Reason) {
        let handlers = state.withLock { state -> [@Sendable (Reason) -> Void] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            return Array(state.handlers.values)
        }
        for handler in handlers { handler(reason) }
    }

    /// Calls `handler` when the job is stopped (at once if it already is); returns a token for `remove`.
    @discardableResult
    func onStop(_ handler: @escaping @Sendable (Reason) -> Void) -> Int {
        let (token, already) = state.withLock { state -> (Int, Reason?) in
            state.next += 1
            if state.reason == nil { state.handlers[state.next] = handler }
            return (state.next, state.reason)
        }
        if let already { handler(already) }
        return token
    }

    func remove(_ token: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }
}

/// Thrown by a stage when its job was stopped; the runner turns it into the right transition.
struct JobStopped: Error, Sendable {
    let reason: JobControl.Reason
}
