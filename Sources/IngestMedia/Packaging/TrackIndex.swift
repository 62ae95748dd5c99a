/// The segments of one CMAF track as written: what HLS, DASH and video.json are generated from.
struct TrackIndex: Sendable {
    struct Segment: Sendable, Equatable, Codable {
        var file: String
        /// Presentation start and duration in `timescale` units.
        var start: Int64
        var duration: Int64
        var bytes: Int64
        /// SHA-256 of the file as written (lowercase hex).
        var sha256: String
    }

    /// Directory name relative to the output directory (`v720`, `audio`).
    var id: String
    var initFile: String
    var initBytes: Int64
    var initSHA256: String
    var timescale: Int32
    var segments: [Segment]
    /// Where presentation starts on the track's timeline (`timescale` units): every track is shifted by the
    /// same time so that B-frame reordering never needs a negative timestamp. DASH's presentationTimeOffset.
    var presentationOffset: Int64
    /// RFC 6381 codec string (`avc1.640028`, `mp4a.40.2`).
    var codecs: String

    var totalDuration: Double {
        Double(segments.reduce(0) { $0 + $1.duration }) / Double(timescale)
    }

    var totalBytes: Int64 { segments.reduce(0) { $0 + $1.bytes } }

    /// Bits per second over the whole track.
    var averageBandwidth: Int {
        let seconds = totalDuration
        return seconds > 0 ? Int((Double(totalBytes) * 8 / seconds).rounded(.up)) : 0
    }

    /// The highest bit rate of any one segment, as HLS wants for BANDWIDTH.
    var peakBandwidth: Int {
        segments.map { segment -> Int in
            let seconds = Double(segment.duration) / Double(timescale)
            return seconds > 0 ? Int((Double(segment.bytes) * 8 / seconds).rounded(.up)) : 0
        }.max() ?? 0
    }

    var maxSegmentSeconds: Double {
        segments.map { Double($0.duration) / Double(timescale) }.max() ?? 0
    }
}
