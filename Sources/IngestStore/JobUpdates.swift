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
    /// Updates a subscriber may have pending before the oldest are dropped.
    public static let bufferLimit = 1024

    public init() {}

    /// Updates committed from now on, in commit order, until the stream is dropped or cancelled.
    public func subscribe() -> AsyncStream<JobUpdate> {
        let (stream, continuation) = AsyncStream<JobUpdate>.makeStream(
            bufferingPolicy: .bufferingNewest(Self.bufferLimit)
        )
        let id = state.withLock { state in
            state.next += 1
            state.subscribers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Wake-ups for the scheduler when a job became runnable without an update: intake finished checking a file
    /// (here, or on another agent: PostgreSQL NOTIFY). Only the latest matters, so at most one waits.
    public func wakeups() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            state.next += 1
            state.wakers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.wakers.removeValue(forKey: id) }
        }
        return stream
    }

    func wake() {
        state.withLock { state in
            for continuation in state.wakers.values { continuation.yield() }
        }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    func emit(_ update: JobUpdate) {
        // Yield under the lock so that concurrent commits reach every subscriber in the same order.
        state.withLock { state in
            for continuation in state.subscribers.values { continuation.yield(update) }
        }
    }
}
