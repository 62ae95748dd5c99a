/// What `reel-ingest-media version --json` prints: the worker's own build and the FFmpeg it links. The agent
/// does not link FFmpeg, so `reel-ingest --version` asks the worker.
public struct MediaVersions: Codable, Sendable, Equatable {
    /// The worker's build (`BuildInfo.version`); differs from the agent's only after a partial upgrade.
    public var version: String
    /// FFmpeg's release string, e.g. `5.1.6-0+deb12u1`.
    public var ffmpeg: String
    public var libavformat: String
    public var libavcodec: String
    public var libavutil: String
    public var libswscale: String
    public var libswresample: String

    public init(
        version: String,
        ffmpeg: String,
        libavformat: String,
        libavcodec: String,
        libavutil: String,
        libswscale: String,
        libswresample: String
    ) {
        self.version = version
        self.ffmpeg = ffmpeg
        self.libavformat = libavformat
        self.libavcodec = libavcodec
        self.libavutil = libavutil
        self.libswscale = libswscale
        self.libswresample = libswresample
    }
}
