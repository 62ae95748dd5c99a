/// Maps the source's timestamps onto output frame numbers: frame n of a constant-rate source is shown at
/// `firstPts + n × ticksPerFrame` (stream time base). The passthrough rung is re-timed through it, so its
/// timestamps are exact multiples of the frame duration like those of the encoded rungs.
struct SourceTiming: Sendable, Equatable {
    /// Presentation time of the first frame (the first IDR), stream time base.
    var firstPts: Int64
    /// One frame's duration in stream time base units (512 for 25 fps in 1/12800).
    var ticksPerFrame: Double

    init(firstPts: Int64, ticksPerFrame: Double) {
        self.firstPts = firstPts
        self.ticksPerFrame = ticksPerFrame
    }

    /// `timeBase` of the stream, `frameRate` of the output (both num/den).
    init(firstPts: Int64, timeBase: (num: Int32, den: Int32), frameRate: (num: Int32, den: Int32)) {
        self.firstPts = firstPts
        ticksPerFrame =
            Double(timeBase.den) * Double(frameRate.den) / (Double(timeBase.num) * Double(frameRate.num))
    }

    /// The (fractional) frame number of a timestamp.
    func exactFrame(_ timestamp: Int64) -> Double {
        Double(timestamp - firstPts) / ticksPerFrame
    }

    func frame(_ timestamp: Int64) -> Int {
        Int(exactFrame(timestamp).rounded())
    }
}
