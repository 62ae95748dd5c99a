import Foundation

/// Something a watcher of the queue wants to know at once: a job changed state, or its progress moved. The store
/// emits one after each commit, in commit order; the status API turns them into WebSocket events.
public struct JobUpdate: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// A committed state change (a `video_processing_stages` row).
        case transition
        /// Percent and ETA of the running stage moved.
        case progress
    }

    public var kind: Kind
    public var jobId: Int64
    public var videoId: String
    public var state: JobState
    /// The state before, for transitions.
    public var from: JobState?
    /// The event's name (`transcode-started`, `failed`, ...), for transitions.
    public var event: String?
    /// The transition's message (an error, a rejection reason).
    public var message: String?
    /// 0...100 of the running stage.
    public var percent: Double?
    public var etaSeconds: Double?
    public var attempts: Int
    public var sourcePath: String
    public var watchName: String?
    public var at: Date

    public init(
        kind: Kind,
        jobId: Int64,
        videoId: String,
        state: JobState,
        from: JobState? = nil,
        event: String? = nil,
        message: String? = nil,
        percent: Double? = nil,
        etaSeconds: Double? = nil,
        attempts: Int,
        sourcePath: String,
        watchName: String?,
        at: Date
    ) {
        self.kind = kind
        self.jobId = jobId
        self.videoId = videoId
        self.state = state
        self.from = from
        self.event = event
        self.message = message
        self.percent = percent
        self.etaSeconds = etaSeconds
        self.attempts = attempts
        self.sourcePath = sourcePath
        self.watchName = watchName
        self.at = at
    }
}
