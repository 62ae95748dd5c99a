import Foundation
import Synchronization

/// Runs blocking work (syscalls, C libraries, hashing, S3 transfers) on a thread of its own, so that neither Swift's
/// cooperative pool nor Dispatch's global queues are stalled by it. On Linux both are only as wide as the core
/// count: two blocked Dispatch workers (a file being hashed, a multipart upload) would hold up every GRDB access of
/// the process, since GRDB's queues run on them. A thread costs tens of microseconds; the work here takes far longer.
/// `name` is the thread's, as `top -H` and a debugger show it.
public func runBlocking<T: Sendable, E: Error>(
    _ name: String = "reel-ingest blocking",
    _ work: @escaping @Sendable () throws(E) -> T
) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: Result { () throws(E) -> T in try work() })
        }
        thread.name = name
        thread.start()
    }
    return try result.get()
}

/// The other direction: async work awaited from a thread that may block (an upload thread, one `runBlocking`
/// started). Never call it on the cooperative pool, whose few threads the wait would hold.
public func blockingWait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = BlockingOutcome<T>()
    Task.detached {
        do { outcome.finish(.success(try await work())) } catch { outcome.finish(.failure(error)) }
    }
    return try outcome.wait()
}

private final class BlockingOutcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ value: Result<T, any Error>) {
        result.withLock { $0 = value }
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
