import Dispatch

/// Runs blocking work (syscalls, C libraries, hashing) on a Dispatch thread so that Swift's
/// cooperative pool, which has one thread per core, is never stalled by it.
public func runBlocking<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
            continuation.resume(returning: Result { () throws(E) -> T in try work() })
        }
    }
    return try result.get()
}
