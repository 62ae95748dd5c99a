import Foundation
import GRDB

/// A row of `source_files`: one version of one file in a watched folder, identified by
/// device, inode, size and mtime (a file replaced in place is a new row).
public struct SourceFileRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "source_files"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case watchName = "watch_name"
        case path
        case device
        case inode
        case size
        case mtimeNs = "mtime_ns"
        case sha256
        case firstSeenAt = "first_seen_at"
        case lastSeenAt = "last_seen_at"
    }

    public var id: Int64?
    public var watchName: String
    public var path: String
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var mtimeNs: Int64
    public var sha256: String?
    public var firstSeenAt: Date
    public var lastSeenAt: Date

    public init(watchName: String, path: String, device: Int64, inode: Int64, size: Int64, mtimeNs: Int64, at now: Date)
    {
        self.watchName = watchName
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNs = mtimeNs
        self.firstSeenAt = now
        self.lastSeenAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
