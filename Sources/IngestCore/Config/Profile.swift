/// An encoding profile: the rendition ladder, audio, packaging and thumbnails.
public struct Profile: Sendable, Equatable {
    public var renditions: [Rendition]
    public var audio = AudioSettings()
    public var thumbnails = ThumbnailSettings()
    public var segmentDuration: Duration = .seconds(4)
    public var maxFrameRate: Double = 30
    /// Height of the rung remuxed into the progressive MP4 (the highest rung at or below it is used).
    public var mp4Height = 720
    /// Whether a compliant H.264 source may be published as the top rung without re-encoding.
    public var passthrough = PassthroughMode.auto
    /// The highest segment bit rate a passed-through source may have; nil: the top rendition's `maxrate` plus its
    /// `bufsize` spread over one segment (the most the profile's own encoder may put into one of its segments).
    public var passthroughMaxBitrate: Int? = nil
    /// The longest gap allowed between the source's IDR frames; nil: twice `segmentDuration`.
    public var passthroughMaxKeyframeInterval: Duration? = nil

    public init(renditions: [Rendition]) {
        self.renditions = renditions
    }

    public static let standard = Profile(renditions: [
        Rendition(height: 1080, videoBitrate: 5_000_000, maxrate: 5_350_000, bufsize: 7_500_000, level: "4.1"),
        Rendition(height: 720, videoBitrate: 2_800_000, maxrate: 2_996_000, bufsize: 4_200_000, level: "3.1"),
        Rendition(height: 480, videoBitrate: 1_400_000, maxrate: 1_498_000, bufsize: 2_100_000, level: "3.0"),
    ])
}

/// `passthrough = "auto" | "never"`.
public enum PassthroughMode: String, Sendable, Equatable, CaseIterable {
    case auto, never
}

extension Profile {
    /// `passthroughMaxBitrate`, or its automatic value from the top rendition.
    public var effectivePassthroughMaxBitrate: Int {
        if let passthroughMaxBitrate { return passthroughMaxBitrate }
        guard let top = renditions.max(by: { $0.height < $1.height }) else { return 0 }
        let seconds = max(segmentDuration.inSeconds, 0.001)
        return top.maxrate + Int((Double(top.bufsize) / seconds).rounded())
    }

    /// `passthroughMaxKeyframeInterval` in seconds, or twice the segment duration.
    public var effectivePassthroughMaxKeyframeInterval: Double {
        passthroughMaxKeyframeInterval?.inSeconds ?? 2 * segmentDuration.inSeconds
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
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
