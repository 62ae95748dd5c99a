import IngestCore
import Synchronization

/// Fans committed job updates out to every subscriber (the scheduler, WebSocket clients). Each subscriber gets
/// its own stream; a subscriber that falls far behind loses its oldest updates rather than growing memory, and can
/// re-read the database for the current state.
public final class JobUpdates: Sendable {
    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<JobUpdate>.Continuation] = [:]
        var wakers: [Int: AsyncStream<Void>.Continuation] = [:]
    }

    private let state = Mutex(State())
    private let changes = Atomic<UInt64>(0)
    /// Updates a subscriber may have pending before the oldest are dropped.
    public static let bufferLimit = 1024

    public init() {}

    /// Updates committed from now on, in commit order, until the stream is dropped or cancelled.
    public func subscribe() -> AsyncStream<JobUpdate> {
        register(\.subscribers, buffering: .bufferingNewest(Self.bufferLimit))
    }

    /// Wake-ups for the scheduler when a job became runnable without an update: intake finished checking a file
    /// (here, or on another agent: PostgreSQL NOTIFY). Only the latest matters, so at most one waits.
    public func wakeups() -> AsyncStream<Void> {
        register(\.wakers, buffering: .bufferingNewest(1))
    }

    /// A new stream in `list`, removed from it when the stream ends.
    private func register<Element>(
        _ list: WritableKeyPath<State, [Int: AsyncStream<Element>.Continuation]> & Sendable,
        buffering: AsyncStream<Element>.Continuation.BufferingPolicy
    ) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: buffering)
        let id = state.withLock { state in
            state.next += 1
            state[keyPath: list][state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0[keyPath: list].removeValue(forKey: id) }
        }
        return stream
    }

    /// A job may run now without an update saying so: every waiting scheduler looks at the queue.
    func jobBecameRunnable() {
        changes.add(1, ordering: .releasing)
        state.withLock { state in
            for continuation in state.wakers.values { continuation.yield() }
        }
    }

    /// Counts every update and wake-up this process has heard of (its own commits, and others' through NOTIFY):
    /// an answer computed while it stood still is as fresh as the changes announced (the job list's cache).
    public var generation: UInt64 { changes.load(ordering: .acquiring) }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    func emit(_ update: JobUpdate) {
        changes.add(1, ordering: .releasing)
        // Yield under the lock so that concurrent commits reach every subscriber in the same order.
        state.withLock { state in
            for continuation in state.subscribers.values { continuation.yield(update) }
        }
    }
}
