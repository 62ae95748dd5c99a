/// `video.json`: what a transcode produced, as the platform and the publisher read it. In IngestCore so the
/// daemon can read it without linking the media libraries. JSON keys are snake_case; paths are relative to
/// the output directory.
public struct VideoManifest: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int64
        public var sha256: String

        public init(path: String, bytes: Int64, sha256: String) {
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public struct Rendition: Codable, Sendable, Equatable {
        public var id: String
        /// video or audio.
        public var type: String
        /// RFC 6381 codec string.
        public var codecs: String
        public var width: Int?
        public var height: Int?
        public var frameRate: Double?
        public var sampleRate: Int?
        public var channels: Int?
        /// Configured target bit rate.
        public var targetBitrate: Int
        /// Measured: the highest segment's rate and the whole track's average, in bits per second.
        public var peakBitrate: Int
        public var averageBitrate: Int
        public var duration: Double
        public var playlist: String
        public var files: [File]
        /// True for the rendition made of the source's own packets (not re-encoded).
        public var passthrough: Bool? = nil

        public init(
            id: String,
            type: String,
            codecs: String,
            targetBitrate: Int,
            peakBitrate: Int,
            averageBitrate: Int,
            duration: Double,
            playlist: String,
            files: [File]
        ) {
            self.id = id
            self.type = type
            self.codecs = codecs
            self.targetBitrate = targetBitrate
            self.peakBitrate = peakBitrate
            self.averageBitrate = averageBitrate
            self.duration = duration
            self.playlist = playlist
            self.files = files
        }
    }

    public struct Thumbnail: Codable, Sendable, Equatable {
        /// `p10` (10 % of the duration), `s12.5` (12.5 s), or `poster`.
        public var label: String
        public var time: Double
        public var width: Int
        public var height: Int
        public var file: File

        public init(label: String, time: Double, width: Int, height: Int, file: File) {
            self.label = label
            self.time = time
            self.width = width
            self.height = height
            self.file = file
        }
    }

    public struct Progressive: Codable, Sendable, Equatable {
        public var rendition: String
        public var width: Int
        public var height: Int
        public var file: File

        public init(rendition: String, width: Int, height: Int, file: File) {
            self.rendition = rendition
            self.width = width
            self.height = height
            self.file = file
        }
    }

    public var source: ProbeReport
    public var duration: Double
    public var segmentDuration: Double
    public var hlsMaster: File
    public var dashManifest: File
    public var renditions: [Rendition]
    public var mp4: Progressive
    public var thumbnails: [Thumbnail]
    /// Whether the top rung is the source's own H.264, and why (nil in manifests written before it existed).
    public var passthrough: PassthroughDecision? = nil

    public init(
        source: ProbeReport,
        duration: Double,
        segmentDuration: Double,
        hlsMaster: File,
        dashManifest: File,
        renditions: [Rendition],
        mp4: Progressive,
        thumbnails: [Thumbnail]
    ) {
        self.source = source
        self.duration = duration
        self.segmentDuration = segmentDuration
        self.hlsMaster = hlsMaster
        self.dashManifest = dashManifest
        self.renditions = renditions
        self.mp4 = mp4
        self.thumbnails = thumbnails
    }

    /// Every file the manifest names except video.json itself, so a publisher can upload them first.
    public var allFiles: [File] {
        renditions.flatMap(\.files) + [hlsMaster, dashManifest, mp4.file] + thumbnails.map(\.file)
    }
}
