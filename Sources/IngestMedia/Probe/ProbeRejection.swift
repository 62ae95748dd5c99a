/// Why a file cannot be ingested, in words a person at a workstation understands. `description` is the one line
/// `reel-ingest probe` prints on stderr; keep these texts stable, the daemon records them as the job's reason.
public enum ProbeRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound(String)
    case unreadable(String)
    case emptyFile
    case notAVideoFile
    case damaged
    case containerNotAllowed(String)
    case noVideoStream
    case unknownDuration
    case undecodableFirstFrame
    case dimensionsTooLarge(width: Int, height: Int, maxWidth: Int, maxHeight: Int)
    case tooLong(seconds: Double, maxSeconds: Double)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "no such file: \(path)"
        case .unreadable(let reason): "cannot read the file: \(reason)"
        case .emptyFile: "empty file"
        case .notAVideoFile: "not a video file"
        case .damaged: "truncated or damaged file"
        case .containerNotAllowed(let name): "container \(name) is not allowed"
        case .noVideoStream: "no video stream"
        case .unknownDuration: "zero or unknown duration"
        case .undecodableFirstFrame: "undecodable first frame"
        case .dimensionsTooLarge(let w, let h, let maxW, let maxH):
            "dimensions \(w)x\(h) exceed the limit of \(maxW)x\(maxH)"
        case .tooLong(let seconds, let maxSeconds):
            "duration \(Int(seconds.rounded())) s exceeds the limit of \(Int(maxSeconds)) s"
        }
    }
}

/// The `[limits]` a probe enforces.
public struct ProbeLimits: Sendable, Equatable {
    public var maxWidth: Int
    public var maxHeight: Int
    public var maxDuration: Double
    public var allowedContainers: [String]

    public init(maxWidth: Int, maxHeight: Int, maxDuration: Double, allowedContainers: [String]) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxDuration = maxDuration
        self.allowedContainers = allowedContainers
    }
}
