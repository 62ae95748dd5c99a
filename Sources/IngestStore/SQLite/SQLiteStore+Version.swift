import GRDB

extension SQLiteStore {
    /// The SQLite library this process runs on (not the headers it was built with), e.g. `3.40.1`.
    public static func sqliteVersion() throws -> String {
        try DatabaseQueue().read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "unknown" }
    }
}
