internal import CFFmpeg

/// The top rung made of the source's own packets: their payload untouched, their timestamps moved onto the output
/// frame grid, cut into CMAF segments at the chosen IDRs. Runs on the decoding thread (copying packets costs
/// nothing next to decoding them).
final class PassthroughTrack {
    let streamIndex: Int
    private let writer: CMAFTrackWriter
    private let timing: SourceTiming
    private let cuts: SegmentCuts
    /// The output frame of the first packet to write: 0, the IDR that starts the first missing segment, or
    /// `Int.max` when an interrupted run finished the track.
    let startSlot: Int
    private var started = false

    init(
        source: PassthroughSource,
        parameters: UnsafePointer<AVCodecParameters>,
        id: String,
        delay: Int,
        directory: String,
        kept: KeptTrack?,
        finished: Bool,
        completed: @escaping @Sendable (TrackFile) throws -> Void
    ) throws {
        streamIndex = source.streamIndex
        timing = source.timing
        cuts = source.cuts
        startSlot = finished ? Int.max : source.cuts.start(ofSegment: kept?.segments.count ?? 0)
        writer = try CMAFTrackWriter(
            directory: directory,
            id: id,
            source: .copy(parameters),
            timeBase: AVRational(num: source.frameRate.den, den: source.frameRate.num),
            codecs: source.codecs,
            delay: Int64(delay),
            leadIn: Int64(source.decodeDelay),
            kept: kept,
            completed: completed
        )
    }

    /// Copies one demuxed packet of the video stream (the caller still decodes the original).
    func write(_ packet: Packet) throws {
        let shown = timing.frame(packet.pts)
        if !started {
            // Resuming: everything before the IDR that opens the first missing segment is in kept segments.
            guard packet.isKeyframe, shown == startSlot else { return }
            started = true
        }
        let copy = try packet.reference()
        copy.pointer.pointee.pts = Int64(shown)
        let decode = packet.dts == LibAV.noTimestamp ? packet.pts : packet.dts
        copy.pointer.pointee.dts = Int64(timing.frame(decode))
        copy.pointer.pointee.duration = 1
        copy.pointer.pointee.pos = -1
        try writer.write(copy, startsSegment: packet.isKeyframe && cuts.isCut(shown))
    }

    func finish() throws -> TrackIndex {
        try writer.finish()
    }
}
