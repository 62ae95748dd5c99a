import IngestCore

/// What one transcode produces, decided from the probe and the profile before any frame is decoded.
struct LadderPlan: Sendable, Equatable {
    struct Rung: Sendable, Equatable {
        var id: String
        var width: Int
        var height: Int
        var settings: Rendition
        /// Encoder threads for this rung: its share of the cores by pixel count, rounded down, at least one.
        var threads: Int
        /// The source's own packets, not encoded (the top rung only).
        var passthrough = false
    }

    /// Frame rate as a rational (num/den), e.g. 30000/1001.
    var frameRate: (num: Int32, den: Int32)
    /// Frames in a segment of the profile's nominal length.
    var gop: Int
    /// Where segments start: every `gop` frames, or at the source's IDRs when the top rung passes through.
    var cuts: SegmentCuts
    var rungs: [Rung]
    /// Index into `rungs` of the rendition remuxed into the progressive MP4.
    var mp4Rung: Int
    var rotation: Int

    static func == (a: LadderPlan, b: LadderPlan) -> Bool {
        a.frameRate == b.frameRate && a.gop == b.gop && a.cuts == b.cuts && a.rungs == b.rungs
            && a.mp4Rung == b.mp4Rung && a.rotation == b.rotation
    }

    var fps: Double { Double(frameRate.num) / Double(frameRate.den) }
    var segmentSeconds: Double { Double(gop) / fps }

    /// Never upscales: rungs taller than the upright source are dropped; when none is left the smallest rung's
    /// settings are used at the source height. Sizes keep the display aspect and are even. With `passthrough`,
    /// the source itself is the top rung (in place of the profile's top rendition) and only the renditions below
    /// its height are encoded.
    init(
        profile: Profile,
        displayWidth: Int,
        displayHeight: Int,
        sourceFrameRate: (num: Int32, den: Int32)?,
        rotation: Int,
        cores: Int,
        passthrough: PassthroughSource? = nil
    ) {
        self.rotation = rotation
        frameRate = passthrough?.frameRate ?? LadderPlan.outputRate(source: sourceFrameRate, cap: profile.maxFrameRate)
        gop = max(1, Int((profile.segmentDuration.inSeconds * Double(frameRate.num) / Double(frameRate.den)).rounded()))
        cuts = passthrough?.cuts ?? .every(gop)
        let sorted = profile.renditions.sorted { $0.height > $1.height }
        var chosen = sorted.filter { $0.height <= displayHeight }
        if let passthrough {
            chosen = sorted.filter { $0.height < passthrough.height }
        } else if chosen.isEmpty, var smallest = profile.renditions.min(by: { $0.height < $1.height }) {
            smallest.height = displayHeight & ~1
            chosen = [smallest]
        }
        let sized = chosen.map { rendition -> (Rendition, Int, Int) in
            let height = max(2, rendition.height & ~1)
            let width = max(2, Int((Double(displayWidth) * Double(height) / Double(displayHeight) / 2).rounded()) * 2)
            return (rendition, width, height)
        }
        let totalPixels = sized.reduce(0) { $0 + $1.1 * $1.2 }
        rungs = sized.map { rendition, width, height in
            let share = Double(width * height) / Double(max(totalPixels, 1))
            // Whole cores by pixel share, at least one: frame threads beyond that add x264 buffers (memory) without
            // adding throughput once every core already has a rung to encode.
            let threads = max(1, min(cores, Int((share * Double(cores) + 0.05).rounded(.down))))
            return Rung(id: "v\(height)", width: width, height: height, settings: rendition, threads: threads)
        }
        if let passthrough, let top = sorted.first {
            let source = Rung(
                id: "v\(passthrough.height)",
                width: passthrough.width,
                height: passthrough.height,
                settings: top,
                threads: 0,
                passthrough: true
            )
            rungs.insert(source, at: 0)
        }
        let mp4Index = rungs.firstIndex { $0.height <= profile.mp4Height } ?? (rungs.count - 1)
        mp4Rung = max(0, mp4Index)
    }

    /// The rungs encoded with x264 (all but a passthrough rung).
    var encodedRungs: [Rung] { rungs.filter { !$0.passthrough } }

    /// How many decoded frames each rung's hand-over queue holds. Deeper queues let the decoder run ahead while the
    /// heaviest rung encodes a hard frame, so the lighter rungs do not sit idle (2 → 6 frames took a 20 s noisy
    /// 1080p transcode from 24.7 to 23.4 s on 2 cores). The queues share the same decoded pictures, so the cost is
    /// about `capacity` pictures in all; it is held to 24 MiB (6 frames of 8-bit 4:2:0 1080p, 2 of 4K).
    static func queueCapacity(frameBytes: Int) -> Int {
        guard frameBytes > 0 else { return 2 }
        return max(2, min(6, (24 << 20) / frameBytes))
    }

    /// The source's nominal rate, divided down to at most `cap` (60 → 30, 50 → 25); 25 fps when unknown.
    static func outputRate(source: (num: Int32, den: Int32)?, cap: Double) -> (num: Int32, den: Int32) {
        guard let source, source.num > 0, source.den > 0 else { return (25, 1) }
        let rate = Double(source.num) / Double(source.den)
        guard rate > cap, cap > 0 else { return source }
        let divisor = (rate / cap).rounded(.up)
        let num = Double(source.num)
        let den = Double(source.den) * divisor
        // Keep it an exact rational when the division is exact (60/2), else fall back to the cap itself.
        if num.truncatingRemainder(dividingBy: divisor) == 0 { return (Int32(num / divisor), source.den) }
        return den <= Double(Int32.max) ? (source.num, Int32(den)) : (Int32(cap.rounded()), 1)
    }
}
