import Synchronization

/// How many live-update WebSockets are open, held under `api.max_live_connections`: each one holds a subscription
/// and a task until its client leaves, so a flood of them must be refused rather than served.
final class LiveConnections: Sendable {
    private let open = Mutex(0)

    /// Takes a place, or returns false when all `limit` are taken.
    func enter(limit: Int) -> Bool {
        open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        open.withLock { $0 -= 1 }
    }

    var count: Int { open.withLock { $0 } }
}
