/// What only the packets of the source's video tell: where its IDR frames are, whether every frame sits on the
/// constant-rate grid, and how many bytes each frame has. One demux pass over the video stream, no decoding.
struct SourceScan: Sendable {
    var timing: SourceTiming
    var frameCount: Int
    /// Output frame numbers of the IDR frames, ascending (the first is 0).
    var idrFrames: [Int]
    /// Bytes of each frame, by presentation order.
    var frameBytes: [Int]
    /// The first decode timestamp in frames (≤ 0 with B-frames: the first IDR is decoded before it is shown).
    var earliestDecode: Int

    enum Outcome {
        case scanned(SourceScan)
        case refused(String)
    }

    static func run(
        path: String,
        formats: [String],
        stream index: Int,
        frameRate: (num: Int32, den: Int32)
    ) throws(AVError) -> Outcome {
        let input = try FormatInput(path: path, formats: formats)
        input.discardAll(except: index)
        guard let timeBase = input.timeBase(of: index) else { return .refused("no time base on the video stream") }
        let lengthSize = H264Bitstream.lengthSize(extradata: input.extradata(of: index))
        let packet = try Packet()
        var pts: [Int64] = []
        var dts: [Int64] = []
        var sizes: [Int] = []
        var idrPts: [Int64] = []
        while try input.read(into: packet) {
            defer { packet.unref() }
            guard packet.streamIndex == index else { continue }
            if packet.isDiscarded { return .refused("its edit list hides frames") }
            guard packet.pts != LibAV.noTimestamp else { return .refused("frames without timestamps") }
            let idr = packet.isKeyframe && packet.withData { H264Bitstream.containsIDR($0, lengthSize: lengthSize) }
            if pts.isEmpty, !idr { return .refused("it does not start with an IDR frame") }
            if idr { idrPts.append(packet.pts) }
            pts.append(packet.pts)
            dts.append(packet.dts == LibAV.noTimestamp ? packet.pts : packet.dts)
            sizes.append(packet.size)
        }
        guard let firstPts = pts.first else { return .refused("no video packets") }
        let timing = SourceTiming(firstPts: firstPts, timeBase: timeBase, frameRate: frameRate)
        let fps = Double(frameRate.num) / Double(frameRate.den)
        func at(_ frame: Double) -> String { String(format: "%.1f s", frame / fps) }
        if let early = pts.first(where: { $0 < firstPts }) {
            return .refused("frames at \(at(timing.exactFrame(early))) are shown before its first IDR frame")
        }
        // Every frame on the grid of the nominal rate (a quarter frame of jitter is rounding in the container),
        // each grid position filled exactly once.
        var frameBytes = [Int](repeating: -1, count: pts.count)
        for (ts, size) in zip(pts, sizes) {
            let exact = timing.exactFrame(ts)
            let frame = Int(exact.rounded())
            if abs(exact - Double(frame)) > 0.25 {
                return .refused("variable frame rate (a frame at \(at(exact)) is off the \(rateText(fps)) fps grid)")
            }
            guard frame < frameBytes.count else {
                return .refused("variable frame rate (frames missing before \(at(Double(frame))))")
            }
            if frameBytes[frame] >= 0 { return .refused("two frames at \(at(Double(frame)))") }
            frameBytes[frame] = size
        }
        // Decode times one frame apart and never after presentation: then every IDR is decoded as many frames
        // before it is shown as the first one, and segments cut at any of them share one timeline.
        let earliest = timing.frame(dts[0])
        for (index, (decode, shown)) in zip(dts, pts).enumerated() {
            let frame = timing.frame(decode)
            if frame != earliest + index || frame > timing.frame(shown) {
                return .refused("irregular decode timestamps at \(at(Double(frame)))")
            }
        }
        return .scanned(
            SourceScan(
                timing: timing,
                frameCount: pts.count,
                idrFrames: idrPts.map(timing.frame).sorted(),
                frameBytes: frameBytes,
                earliestDecode: earliest
            )
        )
    }

    /// The longest stretch between IDR frames (the last one to the end included), in frames.
    var longestKeyframeGap: Int {
        let ends = Array(idrFrames.dropFirst()) + [frameCount]
        return zip(idrFrames, ends).map { $1 - $0 }.max() ?? frameCount
    }

    /// The highest bit rate of any segment between `cuts`, ignoring a last segment shorter than `minimumFrames`
    /// (a few frames at the end are no measure of a stream's rate).
    func peakBitrate(cuts: [Int], fps: Double, minimumFrames: Int) -> Int {
        let ends = Array(cuts.dropFirst()) + [frameCount]
        var peak = 0
        for (index, (start, end)) in zip(cuts, ends).enumerated() where end > start {
            let isShortTail = index == cuts.count - 1 && end - start < minimumFrames && cuts.count > 1
            guard !isShortTail else { continue }
            let bytes = frameBytes[start..<end].reduce(0, +)
            peak = max(peak, Int((Double(bytes) * 8 * fps / Double(end - start)).rounded(.up)))
        }
        return peak
    }
}

func rateText(_ fps: Double) -> String {
    fps == fps.rounded() ? String(Int(fps)) : String(format: "%.3f", fps)
}
