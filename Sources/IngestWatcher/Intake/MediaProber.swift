/// Decides whether a stable file is a video the agent can take. The daemon does not link libav: the
/// implementation runs `reel-ingest-media probe` as a child process (see `SubprocessProber`).
public protocol MediaProber: Sendable {
    func probe(_ path: String) async -> ProbeOutcome
}

public enum ProbeOutcome: Sendable, Equatable {
    /// A readable media file; `summary` is the prober's JSON.
    case media(container: String, summary: String)
    /// The file can never work ("not a video file"): the job is rejected with this reason.
    case rejected(reason: String)
    /// The prober itself could not answer (missing, crashed, timed out): the job stays queued and the
    /// worker's own probe decides later.
    case unavailable(reason: String)
}
