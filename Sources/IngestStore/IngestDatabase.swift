import Foundation
import GRDB

/// The agent's SQLite database: one `DatabasePool` (WAL) per file, `synchronous=FULL` so that a committed
/// transition survives power loss, migrations applied on open.
public final class IngestDatabase: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Every committed transition and progress tick, for the scheduler and live status.
    public let updates = JobUpdates()

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
        try IngestMigrations.migrator.migrate(pool)
    }

    /// Migration identifiers already applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try IngestMigrations.migrator.appliedMigrations(db) }
    }

    /// A PRAGMA's current value, for tests and `status --json`.
    public func pragma(_ name: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }
}

/// Errors of the store itself (SQLite errors pass through as GRDB's `DatabaseError`).
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case jobNotFound(Int64)

    public var description: String {
        switch self {
        case .jobNotFound(let id): "no job with id \(id)"
        }
    }
}
