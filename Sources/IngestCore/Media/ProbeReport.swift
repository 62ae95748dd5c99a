/// What `reel-ingest probe --json` prints for an acceptable file. It lives in IngestCore so that the daemon can
/// decode the worker's output without linking the media libraries. JSON keys are snake_case.
public struct ProbeReport: Codable, Sendable, Equatable {
    /// The allowed-container name decided from the demuxer and file header: mp4, mov, avi, matroska, webm, ...
    public var container: String
    /// libav's demuxer name list, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var formatName: String
    /// Seconds.
    public var duration: Double
    public var size: Int64
    /// Container bit rate in bits per second.
    public var bitRate: Int?
    /// Index into `streams` of the video stream a transcode uses.
    public var videoStream: Int
    /// Index of the audio stream a transcode uses, nil when there is none.
    public var audioStream: Int?
    /// Upright, square-pixel size of the main video stream (rotation and aspect ratio applied).
    public var displayWidth: Int
    public var displayHeight: Int
    public var streams: [ProbeStream]
    /// Whether a transcode with the probed profile would publish the source as its top rung (`reel-ingest probe`
    /// fills it in; nil where nobody asked, e.g. the source report inside video.json, which has its own).
    public var passthrough: PassthroughDecision? = nil

    public init(
        container: String,
        formatName: String,
        duration: Double,
        size: Int64,
        bitRate: Int?,
        videoStream: Int,
        audioStream: Int?,
        displayWidth: Int,
        displayHeight: Int,
        streams: [ProbeStream]
    ) {
        self.container = container
        self.formatName = formatName
        self.duration = duration
        self.size = size
        self.bitRate = bitRate
        self.videoStream = videoStream
        self.audioStream = audioStream
        self.displayWidth = displayWidth
        self.displayHeight = displayHeight
        self.streams = streams
    }
}

/// One stream of a probed file. Video fields are nil for audio and the other way round.
public struct ProbeStream: Codable, Sendable, Equatable {
    public var index: Int
    /// video, audio, subtitle, data, attachment, unknown.
    public var type: String
    public var codec: String
    public var profile: String?
    public var bitRate: Int?
    public var duration: Double?

    public var width: Int?
    public var height: Int?
    /// Clockwise degrees (0, 90, 180, 270) the picture must be turned to be upright.
    public var rotation: Int?
    /// Sample (pixel) aspect ratio as `num:den`.
    public var sampleAspectRatio: String?
    /// Nominal frame rate (frames per second).
    public var frameRate: Double?
    public var averageFrameRate: Double?
    public var variableFrameRate: Bool?
    public var pixelFormat: String?
    public var bitDepth: Int?
    /// progressive, tt, bb, tb, bt or unknown.
    public var fieldOrder: String?

    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?

    public init(index: Int, type: String, codec: String) {
        self.index = index
        self.type = type
        self.codec = codec
    }
}
