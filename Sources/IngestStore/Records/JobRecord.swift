import Foundation
import GRDB
import IngestCore

/// A row of `video_processing_jobs`: one source file's way through the pipeline.
public struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "video_processing_jobs"
    /// The columns, named once: snake_case in both stores, read without converting names row by row.
    public enum CodingKeys: String, RecordColumn, CaseIterable {
        case id
        case videoId = "video_id"
        case sourceFileId = "source_file_id"
        case sourcePath = "source_path"
        case watchName = "watch_name"
        case profile
        case priority
        case state
        case attempts
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case failedIn = "failed_in"
        case duplicateOf = "duplicate_of"
        case contentSha256 = "content_sha256"
        case metadata
        case progress
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case finishedAt = "finished_at"
        case etaSeconds = "eta_seconds"
        case revision
        case publishedRevision = "published_revision"
        case revisionBy = "revision_by"
        case publishedAt = "published_at"
        case checkedAt = "checked_at"
        case claimedBy = "claimed_by"
        case leaseUntil = "lease_until"
        case fence
    }

    public var id: Int64?
    /// Names the video's folder in the store: `<prefix>/videos/<video-id>/`.
    public var videoId: String
    public var sourceFileId: Int64?
    public var sourcePath: String
    public var watchName: String?
    public var profile: String
    public var priority: Int
    public var state: JobState
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var failedIn: JobState?
    public var duplicateOf: Int64?
    public var contentSha256: String?
    /// JSON object with the platform's metadata fields (title, description, machineModel, process, tags, customerAccess).
    public var metadata: String?
    public var progress: Double?
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    /// Seconds left in the current stage, as the worker estimates it.
    public var etaSeconds: Double?
    /// The revision this job is producing: outputs go to `videos/<video-id>/<revision>/`. Kept across retries of
    /// one publication (so uploads resume), replaced when a published video is published again.
    public var revision: String?
    /// The revision `videos/<video-id>/video.json` names, once published.
    public var publishedRevision: String?
    /// The agent that chose `revision`: another agent taking the job over writes a revision of its own, so a stale
    /// agent's late uploads can never land among the live attempt's objects.
    public var revisionBy: String?
    public var publishedAt: Date?
    /// When intake finished its checks (size, sidecar, hash and duplicates, probe): only then may it run.
    public var checkedAt: Date?
    /// The agent working on the job, while it holds a lease (`JobClaim`).
    public var claimedBy: String?
    /// When the claim lapses unless renewed, in the database's clock.
    public var leaseUntil: Date?
    /// Bumped at every claim: a write carrying an older number comes from an agent that lost the job.
    public var fence: Int64 = 0

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The state machine view of this row.
    public var lifecycle: JobLifecycle {
        JobLifecycle(
            state: state,
            attempts: attempts,
            nextAttemptAt: nextAttemptAt,
            lastError: lastError,
            failedIn: failedIn,
            duplicateOf: duplicateOf
        )
    }

    mutating func adopt(_ lifecycle: JobLifecycle, at now: Date) {
        state = lifecycle.state
        attempts = lifecycle.attempts
        nextAttemptAt = lifecycle.nextAttemptAt
        lastError = lifecycle.lastError
        failedIn = lifecycle.failedIn
        duplicateOf = lifecycle.duplicateOf
        updatedAt = now
        finishedAt = lifecycle.state.isTerminal ? now : nil
    }
}

/// What a caller knows about a job before it exists.
public struct NewJob: Sendable {
    public var sourcePath: String
    public var watchName: String?
    public var profile: String
    public var priority: Int
    public var sourceFileId: Int64?
    public var metadata: String?

    public init(
        sourcePath: String,
        watchName: String?,
        profile: String,
        priority: Int = 0,
        sourceFileId: Int64? = nil,
        metadata: String? = nil
    ) {
        self.sourcePath = sourcePath
        self.watchName = watchName
        self.profile = profile
        self.priority = priority
        self.sourceFileId = sourceFileId
        self.metadata = metadata
    }
}
