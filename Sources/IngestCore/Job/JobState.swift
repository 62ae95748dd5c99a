/// Where a job stands. The raw values are what SQLite stores and what `--state` accepts.
public enum JobState: String, CaseIterable, Codable, Sendable {
    case discovered
    case stable
    case probing
    case transcoding
    case uploading
    case distributing
    case published
    case failed
    case rejected
    case duplicate
    case cancelled

    /// States no event can leave.
    public var isTerminal: Bool {
        switch self {
        case .published, .rejected, .duplicate, .cancelled: true
        default: false
        }
    }

    /// States in which a worker is doing something for the job right now.
    public var isActive: Bool {
        switch self {
        case .probing, .transcoding, .uploading, .distributing: true
        default: false
        }
    }

    /// States that wait for the scheduler (a failed job waits only while it has a next attempt time).
    public static let queued: [JobState] = [.discovered, .stable]
}
