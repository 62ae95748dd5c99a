import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

@Suite("Job store: one holder of a lock across processes")
struct JobStoreLockTests {
    /// Two handles stand for two agents (or cron's retry-sweep beside an agent): while one holds the lock the other
    /// is turned away at once; after it, and after a body that threw, the lock is free again.
    @Test(arguments: StoreBackend.allCases) func aLockHasOneHolderAndIsFreedAfterwards(backend: StoreBackend)
        async throws
    {
        try await backend.withTwoStores { first, second in
            let inside = try await first.exclusively("retry-sweep") {
                try await second.exclusively("retry-sweep") { "second got it too" }
            }
            #expect(inside == .some(nil), "the second holder is turned away while the first holds it")
            #expect(try await second.exclusively("other-lock") { 1 } == 1, "other names are other locks")
            #expect(try await second.exclusively("retry-sweep") { 2 } == 2, "free once the first is done")

            struct Thrown: Error {}
            await #expect(throws: Thrown.self) {
                _ = try await first.exclusively("retry-sweep") { () async throws -> Int in throw Thrown() }
            }
            #expect(try await second.exclusively("retry-sweep") { 3 } == 3, "free after a body that threw")
        }
    }
}
