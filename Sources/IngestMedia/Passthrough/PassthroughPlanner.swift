import IngestCore

/// A source that passes: what the transcode needs to publish its packets as the top rung.
struct PassthroughSource: Sendable, Equatable {
    var streamIndex: Int
    var timing: SourceTiming
    var frameRate: (num: Int32, den: Int32)
    var width: Int
    var height: Int
    var cuts: SegmentCuts
    /// Frames the first IDR is decoded before it is shown (B-frame reordering); all tracks are delayed this much.
    var decodeDelay: Int
    /// RFC 6381 string from the source's SPS.
    var codecs: String

    static func == (a: PassthroughSource, b: PassthroughSource) -> Bool {
        a.streamIndex == b.streamIndex && a.timing == b.timing && a.frameRate == b.frameRate && a.width == b.width
            && a.height == b.height && a.cuts == b.cuts && a.decodeDelay == b.decodeDelay && a.codecs == b.codecs
    }
}

/// Decides whether a probed source's video is published as is, from its parameters and then, only when those
/// pass, one demux pass over its video packets.
public enum PassthroughPlanner {
    /// The decision alone, for `reel-ingest probe`.
    public static func decide(path: String, report: ProbeReport, profile: Profile) -> PassthroughDecision {
        plan(path: path, report: report, profile: profile).decision
    }

    static func plan(path: String, report: ProbeReport, profile: Profile) -> (
        decision: PassthroughDecision, source: PassthroughSource?
    ) {
        do {
            return try planOrThrow(path: path, report: report, profile: profile)
        } catch {
            return (.refused("the source could not be read for passthrough: \(error)"), nil)
        }
    }

    private static func planOrThrow(path: String, report: ProbeReport, profile: Profile) throws(AVError) -> (
        decision: PassthroughDecision, source: PassthroughSource?
    ) {
        let index = report.videoStream
        guard index < report.streams.count else { return (.refused("no video stream"), nil) }
        let video = report.streams[index]
        let input = try FormatInput(path: path, formats: report.sourceDemuxers)
        guard let stream = input.stream(index) else { return (.refused("no video stream"), nil) }
        let nominal = stream.pointee.r_frame_rate
        let facts = PassthroughPolicy.StreamFacts(
            codec: video.codec,
            profile: video.profile,
            pixelFormat: video.pixelFormat,
            bitDepth: video.bitDepth,
            fieldOrder: video.fieldOrder,
            sampleAspectRatio: video.sampleAspectRatio,
            rotation: video.rotation ?? 0,
            variableFrameRate: video.variableFrameRate ?? false,
            frameRate: video.frameRate,
            averageFrameRate: video.averageFrameRate,
            width: video.width ?? 0,
            height: video.height ?? 0,
            hasConfiguration: !input.extradata(of: index).isEmpty,
            bitRate: video.bitRate
        )
        if let reason = PassthroughPolicy.streamRefusal(facts, profile: profile) { return (.refused(reason), nil) }
        guard nominal.num > 0, nominal.den > 0 else { return (.refused("unknown frame rate"), nil) }
        let rate = (num: nominal.num, den: nominal.den)
        let fps = Double(rate.num) / Double(rate.den)
        let scan: SourceScan
        switch try SourceScan.run(path: path, formats: report.sourceDemuxers, stream: index, frameRate: rate) {
        case .refused(let reason): return (.refused(reason), nil)
        case .scanned(let result): scan = result
        }
        let target = profile.segmentDuration.inSeconds * fps
        let cuts = SegmentCuts.choose(idrFrames: scan.idrFrames, frameCount: scan.frameCount, targetFrames: target)
        let gap = Double(scan.longestKeyframeGap) / fps
        let peak = scan.peakBitrate(cuts: cuts, fps: fps, minimumFrames: Int(target / 2))
        if let reason = PassthroughPolicy.packetRefusal(longestGap: gap, peakBitrate: peak, profile: profile) {
            return (.refused(reason), nil)
        }
        let height = facts.height
        let source = PassthroughSource(
            streamIndex: index,
            timing: scan.timing,
            frameRate: rate,
            width: facts.width,
            height: height,
            cuts: .at(cuts, frameCount: scan.frameCount),
            decodeDelay: max(0, -scan.earliestDecode),
            codecs: CodecString.h264(extradata: input.extradata(of: index)) ?? "avc1.640028"
        )
        let ceiling = PassthroughPolicy.kbit(profile.effectivePassthroughMaxBitrate)
        let reason =
            "H.264 \(facts.profile ?? "") \(facts.width)x\(height) at \(rateText(fps)) fps, keyframes at most "
            + String(format: "%.1f", gap) + " s apart, peak \(PassthroughPolicy.kbit(peak)) (ceiling \(ceiling))"
        return (PassthroughDecision(used: true, reason: reason, rendition: "v\(height)"), source)
    }
}
