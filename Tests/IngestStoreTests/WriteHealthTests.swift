import Foundation
import GRDB
import IngestCore
import TestSupport
import Testing

@testable import IngestStore

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// A database that answers reads but refuses writes (a full disk, a read-only server) must show in `writeHealth`,
/// which `/healthz` and `/metrics` read; a store's refusal of one statement must not.
@Suite("Job store: whether writes go through")
struct WriteHealthTests {
    @Test func aFailureIsReportedUntilWritesSucceedAndItsMemoryHasPassed() {
        let health = WriteHealth()
        #expect(health.failure(now: t0) == nil)
        health.failed(DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full"), at: t0)
        health.failed(DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full"), at: t0 + 3)
        let failing = health.failure(now: t0 + 3)
        #expect(failing?.since == t0, "a run of failures keeps its start")
        #expect(failing?.at == t0 + 3)
        #expect(failing?.error.contains("database or disk is full") == true, "\(String(describing: failing))")
        // Nothing succeeded since: still failing long after.
        #expect(health.failure(now: t0 + 3600) != nil)
        // A success does not clear it at once (a small write may fit where a bigger one did not) ...
        health.succeeded(at: t0 + 4)
        #expect(health.failure(now: t0 + 4) != nil)
        // ... but once the failure is `memory` old.
        #expect(health.failure(now: t0 + 3 + WriteHealth.memory) == nil)
        // A new failure starts a new run.
        health.failed(DatabaseError(resultCode: .SQLITE_IOERR), at: t0 + 60)
        #expect(health.failure(now: t0 + 60)?.since == t0 + 60)
    }

    @Test func theStatementsOwnErrorsAreNotTheDatabasesCondition() {
        let health = WriteHealth()
        health.failed(DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "UNIQUE constraint failed"), at: t0)
        health.failed(StoreError.jobNotFound(7), at: t0)
        var syntax = PostgresStoreError(message: "syntax error at or near \"x\"")
        syntax.sqlState = "42601"
        health.failed(syntax, at: t0)
        health.failed(PostgresStoreError(message: "cannot read column x as Int (it is text)"), at: t0)
        #expect(health.failure(now: t0) == nil)

        var full = PostgresStoreError(message: "could not extend file \"base/16384/16385\": No space left on device")
        full.sqlState = "53100"
        health.failed(full, at: t0)
        #expect(health.failure(now: t0)?.error.contains("53100") == true)
        let closed = WriteHealth()
        closed.failed(PostgresStoreError(message: "the connection closed before answering", lostServer: true), at: t0)
        #expect(closed.failure(now: t0) != nil)
    }

    /// SQLite with `PRAGMA query_only` on its writer connection answers every write with SQLITE_READONLY while its
    /// reads go on, as a database on a read-only or failing disk does.
    @Test func sqliteRefusingWritesIsReportedAndClearsWhenTheyGoThrough() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite")
        _ = try await store.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "p"), at: t0)
        #expect(store.writeHealth.failure() == nil)

        try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
        await #expect(throws: DatabaseError.self) {
            try await store.insertJob(NewJob(sourcePath: "/w/b.mp4", watchName: "w", profile: "p"), at: t0)
        }
        try await store.ping()
        let failure = try #require(store.writeHealth.failure(), "a read still answers, the write did not")
        #expect(failure.error.contains("readonly"), "\(failure.error)")

        try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
        _ = try await store.insertJob(NewJob(sourcePath: "/w/b.mp4", watchName: "w", profile: "p"), at: t0)
        #expect(store.writeHealth.failure(now: Date() + WriteHealth.memory) == nil)
    }

    /// A PostgreSQL database set read-only (as a standby or an admin's `default_transaction_read_only` makes it)
    /// refuses writes with SQLSTATE 25006 while it answers reads.
    @Test func postgresRefusingWritesIsReportedAndClearsWhenTheyGoThrough() async throws {
        try await TestPostgres.withFreshDatabase { place in
            try await PostgresStore.withStore(place, logger: TestPostgres.logger) { store in
                _ = try await store.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "p"), at: t0)
                #expect(store.writeHealth.failure() == nil)

                try await setReadOnly(place, true)
                var refusals: [String] = []
                for _ in 0..<5 {
                    do {
                        _ = try await store.insertJob(
                            NewJob(sourcePath: "/w/b.mp4", watchName: "w", profile: "p"),
                            at: t0
                        )
                        Issue.record("a write went through a read-only database")
                    } catch {
                        refusals.append("\(error)")
                        if "\(error)".contains("25006") { break }
                    }
                }
                #expect(refusals.last?.contains("25006") == true, "\(refusals)")
                try await store.ping()
                let failure = try #require(store.writeHealth.failure())
                #expect(failure.error.contains("25006"), "\(failure.error)")

                try await setReadOnly(place, false)
                var written = false
                for _ in 0..<5 where !written {
                    written =
                        (try? await store.insertJob(
                            NewJob(sourcePath: "/w/b.mp4", watchName: "w", profile: "p"),
                            at: t0
                        )) != nil
                }
                #expect(written)
                #expect(store.writeHealth.failure(now: Date() + WriteHealth.memory) == nil)
            }
        }
    }

    /// Sets the database's default and ends its sessions, so the store's next connections start with it. Both run
    /// from the server's own database: a session in the read-only one could not turn it back.
    private func setReadOnly(_ place: PostgresLocation, _ readOnly: Bool) async throws {
        let server = try TestPostgres.server()
        try await TestPostgres.administer(
            server,
            "ALTER DATABASE \(place.database) SET default_transaction_read_only = \(readOnly ? "on" : "off")"
        )
        try await TestPostgres.administer(
            server,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(place.database)'"
        )
    }
}
