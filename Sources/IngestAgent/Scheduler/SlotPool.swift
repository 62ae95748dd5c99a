import Synchronization

/// A counting semaphore whose waiters are served by priority, then in arrival order: the jobs allowed in the
/// upload stage at once (`agent.parallel_uploads`). A waiter whose job is stopped leaves the line at once.
final class SlotPool: Sendable {
    private struct Waiter {
        var id: Int64
        var priority: Int
        var sequence: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var free: Int
        var waiters: [Waiter] = []
        var sequence = 0
    }

    private let state: Mutex<State>

    init(slots: Int) {
        state = Mutex(State(free: max(1, slots)))
    }

    /// Waits for a slot; false when `control` stopped the job first (no slot is then held).
    func acquire(job id: Int64, priority: Int, control: JobControl) async -> Bool {
        // Whichever comes second, the stop or the queueing, takes the waiter out of the line.
        let token = control.onStop { [self] _ in withdraw(job: id) }
        defer { control.remove(token) }
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let now = state.withLock { state -> Bool in
                if state.free > 0 && state.waiters.isEmpty {
                    state.free -= 1
                    return true
                }
                state.sequence += 1
                let waiter = Waiter(id: id, priority: priority, sequence: state.sequence, continuation: continuation)
                let index = state.waiters.firstIndex { $0.priority < priority } ?? state.waiters.endIndex
                state.waiters.insert(waiter, at: index)
                return false
            }
            if now {
                continuation.resume(returning: true)
            } else if control.isStopped {
                withdraw(job: id)
            }
        }
        guard granted else { return false }
        if control.isStopped {
            release()
            return false
        }
        return true
    }

    /// Takes `id` out of the line (its job stopped): it gets false.
    func withdraw(job id: Int64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: false)
    }

    /// Jobs in line (for tests and status).
    var waiting: Int { state.withLock { $0.waiters.count } }

    func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume(returning: true)
    }
}
