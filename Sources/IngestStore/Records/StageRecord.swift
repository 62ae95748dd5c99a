import Foundation
import GRDB
import IngestCore

/// A row of `video_processing_stages`: one committed transition of a job.
public struct StageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_processing_stages"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var jobId: Int64
    public var fromState: JobState?
    public var toState: JobState
    public var event: String
    public var attempt: Int
    public var message: String?
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
