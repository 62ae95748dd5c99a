/// An encoding profile: the rendition ladder, audio, packaging and thumbnails.
public struct Profile: Sendable, Equatable {
    public var renditions: [Rendition]
    public var audio = AudioSettings()
    public var thumbnails = ThumbnailSettings()
    public var segmentDuration: Duration = .seconds(4)
    public var maxFrameRate: Double = 30
    /// Height of the rung remuxed into the progressive MP4 (the highest rung at or below it is used).
    public var mp4Height = 720

    public init(renditions: [Rendition]) {
        self.renditions = renditions
    }

    public static let standard = Profile(renditions: [
        Rendition(height: 1080, videoBitrate: 5_000_000, maxrate: 5_350_000, bufsize: 7_500_000, level: "4.1"),
        Rendition(height: 720, videoBitrate: 2_800_000, maxrate: 2_996_000, bufsize: 4_200_000, level: "3.1"),
        Rendition(height: 480, videoBitrate: 1_400_000, maxrate: 1_498_000, bufsize: 2_100_000, level: "3.0"),
    ])
}

public struct Rendition: Sendable, Equatable {
    public var height: Int
    public var videoBitrate: Int
    public var maxrate: Int
    public var bufsize: Int
    public var h264Profile = "high"
    public var level: String
    public var preset = "veryfast"

    public init(height: Int, videoBitrate: Int, maxrate: Int, bufsize: Int, level: String) {
        self.height = height
        self.videoBitrate = videoBitrate
        self.maxrate = maxrate
        self.bufsize = bufsize
        self.level = level
    }

    public static let h264Profiles = ["baseline", "main", "high"]
    public static let presets = [
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
    ]
}

public struct AudioSettings: Sendable, Equatable {
    public var bitrate = 128_000
    public var channels = 2
    public var sampleRate = 48_000
}

public struct ThumbnailSettings: Sendable, Equatable {
    /// Positions as percentages of the duration.
    public var percentages: [Double] = [10, 25, 50, 75, 90]
    /// Positions in seconds from the start.
    public var seconds: [Double] = []
    public var widths = [320, 1280]
    /// Also write `poster.jpg` (from the first position) at the largest width.
    public var poster = true
    /// JPEG quality 1...100.
    public var quality = 85
}
