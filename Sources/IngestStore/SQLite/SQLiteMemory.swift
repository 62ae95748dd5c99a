import GRDBSQLite

/// SQLite's own accounting of the heap it holds in this process. Each connection keeps a page cache of up to
/// 2,000 KiB (SQLite's default `cache_size`) that fills as the database grows, so the agent's RSS grows with its
/// history until every cache is full; /metrics reports it so that growth can be told apart from a leak.
public enum SQLiteMemory {
    /// Bytes SQLite has allocated and not freed (`sqlite3_memory_used`).
    public static var bytesInUse: Int64 { sqlite3_memory_used() }
}
