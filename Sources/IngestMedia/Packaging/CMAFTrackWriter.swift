internal import CFFmpeg
import Foundation

/// Writes one encoder's packets as CMAF: `init.mp4` then one `seg_NNNNN.m4s` per segment, all from one
/// fragmented-MP4 muxer whose output is switched to a new file at each segment start.
final class CMAFTrackWriter {
    private let directory: String
    private let id: String
    private let sink = FileSink()
    private let output: FormatOutput
    private let stream: UnsafeMutablePointer<AVStream>
    private let encoderTimeBase: AVRational
    private var segments: [TrackIndex.Segment] = []
    private var initBytes: Int64 = 0
    private var segmentStart: Int64? = nil
    private var segmentEnd: Int64 = 0
    private let startOffset: Int64
    /// How far the muxer moves this track's timeline: with frag_discont and no edit list it makes the first
    /// sample's decode time equal to its presentation time, so B-frame delay moves everything later.
    private var timelineShift: Int64? = nil
    let codecs: String
    /// Told each file's path (relative to `directory`) once it is complete, so it can be uploaded at once.
    private let announce: @Sendable (String) -> Void

    /// `directory` is the output directory; files go to `directory/id/`. `startOffset` (encoder time base) is
    /// the shift the caller adds to every timestamp, recorded for the manifests.
    init(
        directory: String,
        id: String,
        encoder: Encoder,
        codecs: String,
        startOffset: Int64,
        announce: @escaping @Sendable (String) -> Void
    ) throws(AVError) {
        self.announce = announce
        self.startOffset = startOffset
        self.directory = directory
        self.id = id
        self.codecs = codecs
        let folder = directory + "/" + id
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw AVError(code: AVError.posix(EIO), operation: "create \(folder)")
        }
        output = try FormatOutput(format: "mp4", sink: sink)
        stream = try output.addStream(from: encoder.context)
        encoderTimeBase = encoder.context.pointee.time_base
        try sink.switchTo(folder + "/init.mp4")
        // empty_moov + frag_custom: the header is a complete init segment, each flush one moof+mdat;
        // cmaf sets the brands and one track per file; skip_trailer leaves no mfra to stray into a segment.
        // frag_discont without edit lists: each fragment's decode time (tfdt) is the packet's own, so tracks that
        // start at the same time say so, and B-frame delay shows as a composition offset, not a shift.
        try output.writeHeader(options: [
            "movflags": "+frag_custom+frag_discont+empty_moov+default_base_moof+cmaf+skip_trailer",
            "use_editlist": "0",
        ])
        initBytes = try sink.finishFile()
        announce(id + "/init.mp4")
    }

    var timescale: Int32 { stream.pointee.time_base.den }

    /// Writes a packet in the encoder's time base; `startsSegment` opens the next segment file first.
    func write(_ packet: Packet, startsSegment: Bool) throws(AVError) {
        av_packet_rescale_ts(packet.pointer, encoderTimeBase, stream.pointee.time_base)
        packet.pointer.pointee.stream_index = 0
        let shift = timelineShift ?? max(0, packet.pts - packet.dts)
        timelineShift = shift
        let shown = packet.pts + shift
        if startsSegment || segmentStart == nil {
            try closeSegment()
            let name = String(format: "seg_%05d.m4s", segments.count + 1)
            try sink.switchTo(directory + "/" + id + "/" + name)
            segmentStart = shown
            segments.append(TrackIndex.Segment(file: id + "/" + name, start: shown, duration: 0, bytes: 0))
        }
        if let start = segmentStart, shown < start {
            // A segment starts at its earliest presentation time.
            segmentStart = shown
            segments[segments.count - 1].start = shown
        }
        segmentEnd = max(segmentEnd, shown + max(packet.duration, 0))
        try output.write(packet)
    }

    private func closeSegment() throws(AVError) {
        guard let start = segmentStart else { return }
        try output.flushFragment()
        let bytes = try sink.finishFile()
        segments[segments.count - 1].bytes = bytes
        segments[segments.count - 1].duration = segmentEnd - start
        segmentStart = nil
        announce(segments[segments.count - 1].file)
    }

    /// Flushes the last segment and returns the index of everything written.
    func finish() throws(AVError) -> TrackIndex {
        try closeSegment()
        // Fix up durations from the next segment's start so the timeline has no gaps.
        for i in segments.indices.dropLast() {
            segments[i].duration = segments[i + 1].start - segments[i].start
        }
        try sink.switchTo("/dev/null")
        try output.writeTrailer()
        try sink.finishFile()
        return TrackIndex(
            id: id,
            initFile: id + "/init.mp4",
            initBytes: initBytes,
            timescale: timescale,
            segments: segments,
            presentationOffset: av_rescale_q(startOffset, encoderTimeBase, stream.pointee.time_base),
            codecs: codecs
        )
    }
}
