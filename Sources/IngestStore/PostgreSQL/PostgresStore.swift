import Foundation
import IngestCore
import Logging
import PostgresNIO
import Synchronization

/// The job store on PostgreSQL, which several agents can share. Same tables, same records, same behaviour as
/// `SQLiteStore`: where SQLite serialises all writers, this store locks what a transaction decides on (the job row,
/// a content hash, a source path), so concurrent agents reach the same outcomes one agent would.
public final class PostgresStore: JobStore {
    let client: PostgresClient
    let logger: Logger
    public let place: PostgresLocation
    public let updates = JobUpdates()
    public var announcesChanges: Bool { true }
    public let writeHealth = WriteHealth()
    /// This process's handle, so it ignores its own notifications.
    let instance = UUID().uuidString
    public var location: String { place.description }

    /// How long opening waits for the server before it gives up with a clear error.
    public static let connectTimeout: Duration = .seconds(10)

    private init(client: PostgresClient, place: PostgresLocation, logger: Logger) {
        self.client = client
        self.place = place
        self.logger = logger
    }

    /// Connects, migrates (refusing a schema newer than this build knows), runs `body`, and closes the pool.
    public static func withStore<T>(
        _ place: PostgresLocation,
        lease: Duration = DatabaseSettings().lease,
        logger: Logger,
        relayingOtherAgents relay: Bool = false,
        _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration(place, lease: lease), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresStore(client: client, place: place, logger: logger)
            try await store.waitUntilReachable()
            try await store.migrate()
            if relay { group.addTask { await store.relayOtherAgents() } }
            return try await body(store)
        }
    }

    private static func configuration(_ place: PostgresLocation, lease: Duration) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch place.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: place.host,
            port: place.port,
            username: place.username,
            password: place.password,
            database: place.database,
            tls: tls
        )
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = 16
        // An agent frozen mid-transaction (SIGSTOP, a paused VM) would hold its row locks for ever, and the job
        // could never be rescued: the server ends such a session after half a lease (the agent reconnects), and
        // nobody waits on a lock longer than a lease.
        let halfLease = max(Int(lease.inSeconds * 500), 1000)
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "\(halfLease)"),
            ("lock_timeout", "\(halfLease * 2)"),
        ]
        return configuration
    }

    /// The pool retries a refused connection quietly; an agent pointed at a wrong host should say so at once.
    private func waitUntilReachable() async throws {
        let reached = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.ping()
                return true
            }
            group.addTask {
                try await Task.sleep(for: Self.connectTimeout)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        guard reached else {
            throw PostgresStoreError(
                message: "no answer from \(place) within \(Self.connectTimeout.components.seconds) s"
            )
        }
    }

    // MARK: Transactions

    /// Committed updates wait here until their transaction has committed.
    final class PendingUpdates: Sendable {
        private let list = Mutex<[JobUpdate]>([])
        private let waking = Mutex(false)
        func add(_ update: JobUpdate) { list.withLock { $0.append(update) } }
        var all: [JobUpdate] { list.withLock { $0 } }
        /// The transaction makes a job runnable without an update (intake's checks done, a claim released): after
        /// the commit this agent's scheduler and, through NOTIFY, every other agent's look at the queue.
        func jobBecameRunnable() { waking.withLock { $0 = true } }
        var wakesOthers: Bool { waking.withLock { $0 } }
    }

    /// One read on a pooled connection.
    func read<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await body(PostgresSession(connection: connection, logger: logger))
            }
        } catch {
            throw PostgresStoreError.mapped(error)
        }
    }

    /// One transaction; its job updates reach subscribers after the commit (never after a rollback).
    @discardableResult
    func write<T>(_ body: (PostgresSession, PendingUpdates) async throws -> T) async throws -> T {
        let pending = PendingUpdates()
        let result: T
        do {
            result = try await client.withConnection { connection in
                let session = PostgresSession(connection: connection, logger: logger)
                try await session.execute("BEGIN")
                do {
                    let value = try await body(session, pending)
                    try await announce(pending, on: session)
                    try await session.execute("COMMIT")
                    return value
                } catch {
                    try? await session.execute("ROLLBACK")
                    throw error
                }
            }
        } catch {
            let mapped = PostgresStoreError.mapped(error)
            writeHealth.failed(mapped)
            throw mapped
        }
        writeHealth.succeeded()
        for update in pending.all { updates.emit(update) }
        if pending.wakesOthers { updates.jobBecameRunnable() }
        return result
    }

    // MARK: Schema

    public func appliedMigrations() async throws -> [String] {
        try await read { session in
            try await session.column(String.self, "SELECT id FROM reel_ingest_migrations ORDER BY applied_at, id")
        }
    }

    public func ping() async throws {
        _ = try await read { session in try await session.scalar(Int64.self, "SELECT 1::bigint") }
    }

    /// Applies what is missing, under an advisory lock held for the transaction.
    private func migrate() async throws {
        try await write { session, _ in
            try await session.execute("SELECT pg_advisory_xact_lock(?)", [PostgresMigrations.lockKey])
            try await session.execute(
                """
                CREATE TABLE IF NOT EXISTS reel_ingest_migrations (
                    id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """
            )
            let applied = try await session.column(String.self, "SELECT id FROM reel_ingest_migrations")
            let known = Set(PostgresMigrations.all.map(\.id))
            let unknown = applied.filter { !known.contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw StoreError.schemaTooNew(migrations: unknown, location: place.description)
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.id) {
                // One statement at a time: the extended protocol takes a single command.
                for statement in migration.sql.components(separatedBy: ";\n") {
                    let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !trimmed.isEmpty { try await session.execute(trimmed) }
                }
                try await session.execute("INSERT INTO reel_ingest_migrations (id) VALUES (?)", [migration.id])
            }
        }
    }
}
