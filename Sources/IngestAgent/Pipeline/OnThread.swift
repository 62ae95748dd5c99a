import Foundation

/// Runs blocking work (curl transfers, directory walks of a store) on a thread of its own and awaits it: Dispatch's
/// global queues are only as wide as the core count on Linux, and the cooperative pool must never block.
func onThread<T: Sendable>(_ name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: Result { try work() })
        }
        thread.name = name
        thread.start()
    }
    return try result.get()
}
