import Synchronization

/// An answer that may be up to `maxAge` old, computed by one request at a time: while one request computes it again
/// the others get the previous answer instead of computing too. The queue status is counted over every job (one
/// pass over an index: about 10 ms at 100,000 jobs) and the fleet view reads every agent; under load one of each a
/// second is enough.
final class RecentAnswerCache<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var at: ContinuousClock.Instant?
        var refreshing = false
    }

    private let state = Mutex(State())
    let maxAge: Duration

    init(maxAge: Duration = .seconds(1)) {
        self.maxAge = maxAge
    }

    func value(compute: () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        let cached = state.withLock { state -> Value? in
            if let value = state.value, let at = state.at, now - at < maxAge { return value }
            // Someone is already recounting: serve the previous answer meanwhile.
            if state.refreshing, let value = state.value { return value }
            state.refreshing = true
            return nil
        }
        if let cached { return cached }
        do {
            let fresh = try await compute()
            state.withLock { state in
                state.value = fresh
                state.at = now
                state.refreshing = false
            }
            return fresh
        } catch {
            state.withLock { $0.refreshing = false }
            throw error
        }
    }
}
