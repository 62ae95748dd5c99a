/// One progress report of a transcode; `reel-ingest transcode --progress json` prints each as one JSON line
/// (snake_case keys). In IngestCore so the daemon's supervisor decodes what the worker prints.
public struct TranscodeProgress: Sendable, Codable, Equatable {
    /// probing, transcoding, packaging, mp4, done.
    public var stage: String
    /// 0...100 over the whole job.
    public var percent: Double
    /// Output frames per second encoded (the slowest rung).
    public var fps: Double
    /// Media seconds processed per wall-clock second.
    public var speed: Double
    public var etaSeconds: Double?

    public init(stage: String, percent: Double, fps: Double, speed: Double, etaSeconds: Double?) {
        self.stage = stage
        self.percent = percent
        self.fps = fps
        self.speed = speed
        self.etaSeconds = etaSeconds
    }
}
