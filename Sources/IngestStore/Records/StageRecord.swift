import Foundation
import GRDB
import IngestCore

/// A row of `video_processing_stages`: one committed transition of a job. A transition into a working state
/// (probing, transcoding, uploading, distributing) starts a stage; leaving that state closes the row with its end,
/// outcome and error.
public struct StageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_processing_stages"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn {
        case id
        case jobId = "job_id"
        case fromState = "from_state"
        case toState = "to_state"
        case event
        case attempt
        case message
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case outcome
        case error
    }

    public var id: Int64?
    public var jobId: Int64
    public var fromState: JobState?
    public var toState: JobState
    public var event: String
    public var attempt: Int
    public var message: String?
    public var createdAt: Date
    /// When the stage this row started ended (working states only).
    public var finishedAt: Date?
    /// ok, failed, cancelled, rejected or interrupted (the agent stopped; the job went back to the queue).
    public var outcome: String?
    public var error: String?

    /// Seconds from start to end, nil while running or for rows that start no stage.
    public var seconds: Double? { finishedAt.map { $0.timeIntervalSince(createdAt) } }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
