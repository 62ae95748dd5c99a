internal import CFFmpeg
import Foundation

/// A file of one track that is complete and will not change again, told to the transcode (which records it in the
/// checkpoint, then announces it) before anyone else hears of it.
enum TrackFile: Sendable {
    case initSegment(track: String, path: String, written: WrittenFile)
    /// `index` counts from 0; the segment's file is `seg_<index + 1>.m4s`.
    case segment(track: String, index: Int, TrackIndex.Segment)
    /// The track's last segment is written (no file of its own).
    case finished(track: String)
}

/// What a track kept from an interrupted run (from the checkpoint, already verified against the files).
struct KeptTrack: Sendable, Equatable {
    var initFile: WrittenFile
    var segments: [TrackIndex.Segment]
}

/// The codec a track carries: an encoder's output, or packets copied from the source (passthrough).
enum TrackSource {
    case encoder(Encoder)
    case copy(UnsafePointer<AVCodecParameters>)
}

/// Writes one track's packets as CMAF: `init.mp4` then one `seg_NNNNN.m4s` per segment, all from one
/// fragmented-MP4 muxer whose output is switched to a new file at each segment start. A writer continuing an
/// interrupted run keeps the files it is given and numbers its segments after them.
final class CMAFTrackWriter {
    private let directory: String
    private let id: String
    private let sink = FileSink()
    private let output: FormatOutput
    private let stream: UnsafeMutablePointer<AVStream>
    private let inputTimeBase: AVRational
    private var segments: [TrackIndex.Segment]
    private let initFile: WrittenFile
    private var segmentStart: Int64? = nil
    private var segmentEnd: Int64 = 0
    /// Added to every timestamp (input time base): where the track's first frame is shown, the same for every
    /// track, and at least the B-frame delay so that no decode time is negative. Every sample is shown exactly at
    /// the timestamp it was given. A resumed muxer's first packet is an IDR decoded `leadIn` before it is shown,
    /// like the first run's, so its fragments continue the first run's decode timeline.
    private let offset: Int64
    private let leadIn: Int64
    private var checkedLeadIn = false
    let codecs: String
    private let completed: @Sendable (TrackFile) throws -> Void

    /// `directory` is the output directory; files go to `directory/id/`. `delay`: where the first frame is shown
    /// (input time base); `leadIn`: the composition offset every first packet has. A `kept` track's init
    /// segment is not rewritten: the header this writer would write must equal it byte for byte, else
    /// `CheckpointMismatch`.
    init(
        directory: String,
        id: String,
        source: TrackSource,
        timeBase: AVRational,
        codecs: String,
        delay: Int64,
        leadIn: Int64,
        kept: KeptTrack?,
        completed: @escaping @Sendable (TrackFile) throws -> Void
    ) throws {
        self.completed = completed
        offset = delay
        self.leadIn = leadIn
        self.directory = directory
        self.id = id
        self.codecs = codecs
        inputTimeBase = timeBase
        let folder = directory + "/" + id
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw AVError(code: AVError.posix(EIO), operation: "create \(folder)")
        }
        output = try FormatOutput(format: "mp4", sink: sink)
        switch source {
        case .encoder(let encoder): stream = try output.addStream(from: encoder.context)
        case .copy(let parameters): stream = try output.addStream(copying: parameters, timeBase: timeBase)
        }
        let initPath = folder + "/init.mp4"
        try sink.switchTo(kept == nil ? initPath : folder + "/.init.mp4.check")
        // empty_moov + frag_custom: the header is a complete init segment, each flush one moof+mdat, one track per
        // file; skip_trailer leaves no mfra to stray into a segment. Not the cmaf flag: it writes signed composition
        // offsets, which FFmpeg's demuxer reads one to three frames late (by the most negative offset it has seen),
        // so browsers and FFmpeg-based players would disagree on when each frame is shown. Unsigned offsets after
        // a decode time of `dts` mean the same instant to every reader.
        // frag_discont without edit lists: the first fragment's decode time (tfdt) comes from the first packet, so
        // tracks that start at the same time say so. avoid_negative_ts off: a resumed muxer must not move its
        // timeline back to 0.
        try output.writeHeader(options: [
            "movflags": "+frag_custom+frag_discont+empty_moov+default_base_moof+skip_trailer",
            "use_editlist": "0",
            "avoid_negative_ts": "disabled",
        ])
        if let kept {
            let fresh = try sink.finishFile(durable: false)
            try? FileManager.default.removeItem(atPath: folder + "/.init.mp4.check")
            guard fresh == kept.initFile else {
                throw CheckpointMismatch("\(id)/init.mp4 differs from what this run's encoder writes")
            }
            initFile = kept.initFile
            segments = kept.segments
        } else {
            initFile = try sink.finishFile(durable: true)
            segments = []
            try completed(.initSegment(track: id, path: id + "/init.mp4", written: initFile))
        }
    }

    var timescale: Int32 { stream.pointee.time_base.den }

    /// Segments this writer holds, kept ones included.
    var segmentCount: Int { segments.count }

    /// Writes a packet in the input time base; `startsSegment` opens the next segment file first.
    func write(_ packet: Packet, startsSegment: Bool) throws {
        if packet.pts != LibAV.noTimestamp { packet.pointer.pointee.pts += offset }
        if packet.dts != LibAV.noTimestamp { packet.pointer.pointee.dts += offset }
        av_packet_rescale_ts(packet.pointer, inputTimeBase, stream.pointee.time_base)
        packet.pointer.pointee.stream_index = 0
        if !checkedLeadIn {
            // A resumed track's decode timeline joins the first run's only if both start with the same offset.
            let observed = packet.dts == LibAV.noTimestamp ? 0 : packet.pts - packet.dts
            let expected = av_rescale_q(leadIn, inputTimeBase, stream.pointee.time_base)
            guard observed == expected, packet.pts >= 0 else {
                throw AVError.invalid(
                    "\(id): first packet at \(packet.pts), lead-in \(observed) (expected \(expected))"
                )
            }
            checkedLeadIn = true
        }
        let shown = packet.pts
        if startsSegment || segmentStart == nil {
            try closeSegment()
            let name = String(format: "seg_%05d.m4s", segments.count + 1)
            try sink.switchTo(directory + "/" + id + "/" + name)
            segmentStart = shown
            segmentEnd = shown
            segments.append(TrackIndex.Segment(file: id + "/" + name, start: shown, duration: 0, bytes: 0, sha256: ""))
        }
        if let start = segmentStart, shown < start {
            // A segment starts at its earliest presentation time.
            segmentStart = shown
            segments[segments.count - 1].start = shown
        }
        segmentEnd = max(segmentEnd, shown + max(packet.duration, 0))
        try output.write(packet)
    }

    private func closeSegment() throws {
        guard let start = segmentStart else { return }
        try output.flushFragment()
        let written = try sink.finishFile(durable: true)
        let last = segments.count - 1
        segments[last].bytes = written.bytes
        segments[last].sha256 = written.sha256
        segments[last].duration = segmentEnd - start
        segmentStart = nil
        try completed(.segment(track: id, index: last, segments[last]))
    }

    /// Flushes the last segment and returns the index of everything written and kept.
    func finish() throws -> TrackIndex {
        try closeSegment()
        try completed(.finished(track: id))
        // Fix up durations from the next segment's start so the timeline has no gaps.
        for i in segments.indices.dropLast() {
            segments[i].duration = segments[i + 1].start - segments[i].start
        }
        try sink.switchTo("/dev/null")
        try output.writeTrailer()
        try sink.finishFile(durable: false)
        return TrackIndex(
            id: id,
            initFile: id + "/init.mp4",
            initBytes: initFile.bytes,
            initSHA256: initFile.sha256,
            timescale: timescale,
            segments: segments,
            presentationOffset: av_rescale_q(offset, inputTimeBase, stream.pointee.time_base),
            codecs: codecs
        )
    }
}

/// A checkpoint that cannot be continued (another input or profile, a changed or missing file, an encoder that
/// writes a different header): the transcode starts over.
struct CheckpointMismatch: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
