import Foundation
import IngestCore

/// A stable file just recorded: its source row, its job, and older jobs it replaced.
public struct RecordedSource: Sendable {
    public var sourceId: Int64
    public var job: JobRecord
    /// Unfinished jobs of an earlier version of the same path, cancelled because the file was replaced.
    public var replaced: [Int64]
}

/// What `reel-ingest status` shows.
public struct QueueStatus: Sendable, Equatable {
    /// Every state, zero included.
    public var counts: [JobState: Int]
    /// The queued job waiting longest.
    public var oldestWaiting: JobRecord?
    /// When the earliest scheduled retry is due.
    public var nextRetryAt: Date?
    public var total: Int { counts.values.reduce(0, +) }
}

/// What the status API's queue view shows: counts overall and per watch, the oldest waiting job, and what
/// finished in the last hour.
public struct QueueOverview: Sendable, Equatable {
    public var counts: [JobState: Int]
    /// Watch name (nil: jobs without one) to its counts by state, non-zero only.
    public var perWatch: [String?: [JobState: Int]]
    public var oldestWaiting: JobRecord?
    public var nextRetryAt: Date?
    /// Jobs that reached each terminal state since the cutoff (an hour ago).
    public var finishedSince: [JobState: Int]
}

/// Errors of the store itself (SQLite errors pass through as GRDB's `DatabaseError`, PostgreSQL's as
/// `PostgresStoreError`).
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case jobNotFound(Int64)
    /// The database was migrated by a newer agent: running on it could corrupt what that agent wrote.
    case schemaTooNew(migrations: [String], location: String)
    /// The lock file of `exclusively` could not be opened or locked.
    case lockFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .jobNotFound(let id): "no job with id \(id)"
        case .schemaTooNew(let migrations, let location):
            "the job database \(location) has schema changes this agent does not know "
                + "(\(migrations.joined(separator: ", "))): it was used by a newer reel-ingest; upgrade this agent"
        case .lockFailed(let path, let reason): "cannot lock \(path): \(reason)"
        }
    }
}
