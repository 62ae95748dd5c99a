import Foundation
import IngestCore
import TestSupport
import Testing

@testable import IngestStore

/// The server may end a session at any moment: `idle_in_transaction_session_timeout` ends the session of an agent
/// frozen mid-transaction (SIGSTOP, a paused VM), an admin may terminate it. The statement the agent sends next
/// must fail, not wait for ever (a scheduler waiting there claimed nothing again), and the store must go on.
@Suite("PostgreSQL: a session the server ended", .timeLimit(.minutes(1)))
struct PostgresSessionEndTests {
    @Test func aStatementAfterTheServerEndedTheSessionFailsAndTheStoreGoesOn() async throws {
        try await TestPostgres.withFreshDatabase { place in
            try await PostgresStore.withStore(place, logger: TestPostgres.logger) { store in
                let outcome = await within(.seconds(20)) {
                    try await store.write { session, _ in
                        let pid = try #require(try await session.scalar(Int32.self, "SELECT pg_backend_pid()"))
                        try await TestPostgres.administer(place, "SELECT pg_terminate_backend(\(pid))")
                        try await session.connection.closeFuture.get()
                        try await session.execute("SELECT 1")
                    }
                }
                let error = try #require(outcome, "no answer within 20 s")
                #expect(error.map { "\($0)" }?.contains("closed") == true, "\(String(describing: error))")
                try await store.ping()
                #expect(try await store.jobs(limit: 10).isEmpty)
            }
        }
    }
}

/// The error `operation` ended with (nil inside when it succeeded), or nil when it did not end within `limit`: a
/// hang fails the test instead of hanging it (a task that never answers ignores cancellation, and is left behind).
private func within(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Void) async -> (
    (any Error)?
)? {
    let (ends, end) = AsyncStream<((any Error)?)?>.makeStream()
    Task {
        do {
            try await operation()
            end.yield(.some(nil))
        } catch {
            end.yield(.some(error))
        }
    }
    Task {
        try? await Task.sleep(for: limit)
        end.yield(nil)
    }
    for await first in ends { return first }
    return nil
}
