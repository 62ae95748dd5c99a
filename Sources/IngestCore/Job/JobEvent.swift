import Foundation

/// Something that happened to a job. `JobLifecycle` decides whether it is allowed in the current state.
public enum JobEvent: Sendable, Equatable {
    /// Size, mtime and inode held still for the settle time.
    case settled
    /// A worker took the job and starts probing the source.
    case probeStarted
    /// The source is a usable video; transcoding starts.
    case transcodeStarted
    /// Every output exists in the scratch directory; uploading starts.
    case uploadStarted
    /// Every object is in the store; CDN purge and pre-warm start.
    case distributionStarted
    /// The video is live.
    case published
    /// The same content was already ingested as another job.
    case duplicateOf(jobID: Int64)
    /// The source can never succeed (not a video, too large, ...). Terminal.
    case rejected(reason: String)
    /// A step failed in a way that may succeed later (server down, worker crashed).
    case failed(error: String)
    /// The scheduler or an admin puts a failed job back in the queue.
    case retry(manual: Bool)
    /// An admin stopped the job, or its source disappeared before processing.
    case cancelled(reason: String)
    /// The agent stopped (or died) while a worker had the job: back to the queue without spending an attempt.
    case interrupted(reason: String)
    /// The machine cannot take the job now (its scratch disk is full): back to the queue until `until`, without
    /// spending an attempt, since nothing is wrong with the file.
    case waitForRoom(reason: String, until: Date)

    /// A short name for logs and stage rows.
    public var name: String {
        switch self {
        case .settled: "settled"
        case .probeStarted: "probe-started"
        case .transcodeStarted: "transcode-started"
        case .uploadStarted: "upload-started"
        case .distributionStarted: "distribution-started"
        case .published: "published"
        case .duplicateOf: "duplicate"
        case .rejected: "rejected"
        case .failed: "failed"
        case .retry(let manual): manual ? "manual-retry" : "retry"
        case .cancelled: "cancelled"
        case .interrupted: "interrupted"
        case .waitForRoom: "waiting-for-room"
        }
    }
}
