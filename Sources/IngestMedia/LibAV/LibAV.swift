internal import CFFmpeg

/// Facts about the linked FFmpeg libraries.
public enum LibAV {
    public struct Versions: Sendable, Equatable {
        /// FFmpeg's release string (e.g. `5.1.6-0+deb12u1`).
        public var ffmpeg: String
        public var avformat: String
        public var avcodec: String
        public var avutil: String
        public var swscale: String
        public var swresample: String
    }

    public static var versions: Versions {
        func dotted(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xFF).\(v & 0xFF)" }
        return Versions(
            ffmpeg: String(cString: av_version_info()),
            avformat: dotted(avformat_version()),
            avcodec: dotted(avcodec_version()),
            avutil: dotted(avutil_version()),
            swscale: dotted(swscale_version()),
            swresample: dotted(swresample_version())
        )
    }

    /// Silences libav's own logging: the worker's stderr carries exactly one line, the reason for a failure, and
    /// every failure that matters comes back as an `AVError`.
    public static func silenceLogging() {
        av_log_set_level(AV_LOG_QUIET)
    }

    /// Sets the process's allocator up for large, short-lived picture buffers (see `ri_tune_malloc_for_pictures`);
    /// call once at start, before any thread.
    public static func tuneMemoryForPictures() {
        ri_tune_malloc_for_pictures()
    }

    /// The `AV_NOPTS_VALUE` sentinel ("no timestamp").
    public static var noTimestamp: Int64 { ri_av_nopts_value() }

    /// `AV_TIME_BASE_Q` as numerator/denominator.
    public static var timeBase: (num: Int32, den: Int32) {
        let q = ri_av_time_base_q()
        return (q.num, q.den)
    }
}
