import Foundation
import GRDB

/// The agent's SQLite database: one `DatabasePool` (WAL) per file, `synchronous=FULL` so that a committed
/// transition survives power loss, migrations applied on open (and a schema from a newer agent refused).
public final class SQLiteStore: JobStore {
    public let path: String
    public var location: String { path }
    let pool: DatabasePool
    /// Every committed transition and progress tick, for the scheduler and live status.
    public let updates = JobUpdates()
    public var announcesChanges: Bool { false }
    public let writeHealth = WriteHealth()

    /// Opens (creating the directory and file if needed) and migrates to the latest schema.
    public init(path: String) throws {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = SQLiteMigrations.migrator
        let unknown = try pool.read { db in
            try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
        }
        guard unknown.isEmpty else { throw StoreError.schemaTooNew(migrations: unknown, location: path) }
        try migrator.migrate(pool)
    }

    /// Migration identifiers already applied, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    /// A PRAGMA's current value, for tests and `status --json`.
    public func pragma(_ name: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }
}

extension SQLiteStore {
    /// One write transaction through the pool, its outcome reported to `writeHealth`.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            let value = try await pool.write(updates)
            writeHealth.succeeded()
            return value
        } catch {
            writeHealth.failed(error)
            throw error
        }
    }
}

/// SQLite's codes for a database that cannot take a write at all: full, failing, read-only, gone or damaged.
extension DatabaseError: StoreUnavailability {
    var unavailability: String? {
        switch resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_CORRUPT, .SQLITE_NOTADB:
            "SQLite error \(extendedResultCode.rawValue): \(message ?? "\(resultCode)")"
        default: nil
        }
    }
}
