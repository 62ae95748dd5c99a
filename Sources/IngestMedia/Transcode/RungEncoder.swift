internal import CFFmpeg
import Foundation

/// A decoded picture and the output frame (slot) it fills; one picture can fill several slots.
struct SlotFrame: Sendable {
    var frame: Frame
    var slot: Int
}

/// One rendition on its own thread: scale (and turn upright), encode with libx264, write CMAF segments.
/// Every segment starts with a forced IDR at a cut frame, the same frames in every rung. A rung continuing an
/// interrupted run starts a fresh encoder at the first segment it does not have.
final class RungEncoder: @unchecked Sendable {
    let rung: LadderPlan.Rung
    let queue: FrameQueue<SlotFrame>
    /// The first output frame this rung writes: 0, the start of its first missing segment, or `Int.max` when an
    /// interrupted run finished it. Set by `prepare`, before the thread starts.
    private(set) var startSlot = 0
    /// The first output frame it encodes: a resumed rung starts its fresh encoder `warmUpSegments` segments early
    /// and drops what comes out before `startSlot`, so that rate control has a history when the first segment it
    /// writes begins: a cold x264 spent that segment 3 dB below the uninterrupted run; after one segment of warm-up
    /// every resumed segment was within 0.4 dB (two segments: 0.33 dB, for twice the extra work).
    private(set) var encodeFrom = 0
    static let warmUpSegments = 1
    private let cuts: SegmentCuts
    private let scaler: Scaler
    private let encoder: Encoder
    private let state = NSLock()
    private var encoded = 0
    private var failure: Error?
    private var index: TrackIndex?
    private let done = DispatchSemaphore(value: 0)
    private let directory: String
    private let codecs: String
    private var writer: CMAFTrackWriter?

    /// `queueCapacity`: decoded frames this rung may fall behind the decoder (see `LadderPlan.queueCapacity`).
    init(
        rung: LadderPlan.Rung,
        plan: LadderPlan,
        queueCapacity: Int,
        directory: String
    ) throws(AVError) {
        self.rung = rung
        queue = FrameQueue<SlotFrame>(capacity: queueCapacity)
        cuts = plan.cuts
        scaler = Scaler(
            width: Int32(rung.width),
            height: Int32(rung.height),
            format: AV_PIX_FMT_YUV420P,
            rotation: plan.rotation
        )
        encoder = try Encoder(name: "libx264")
        let ctx = encoder.context
        let keyint = plan.cuts.longest
        ctx.pointee.width = Int32(rung.width)
        ctx.pointee.height = Int32(rung.height)
        ctx.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        ctx.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        ctx.pointee.time_base = AVRational(num: plan.frameRate.den, den: plan.frameRate.num)
        ctx.pointee.framerate = AVRational(num: plan.frameRate.num, den: plan.frameRate.den)
        ctx.pointee.bit_rate = Int64(rung.settings.videoBitrate)
        ctx.pointee.rc_max_rate = Int64(rung.settings.maxrate)
        ctx.pointee.rc_buffer_size = Int32(clamping: rung.settings.bufsize)
        ctx.pointee.gop_size = Int32(keyint)
        ctx.pointee.keyint_min = Int32(keyint)
        ctx.pointee.thread_count = Int32(rung.threads)
        ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER | Int32(bitPattern: AV_CODEC_FLAG_CLOSED_GOP)
        ctx.pointee.color_range = AVCOL_RANGE_MPEG
        if let level = Double(rung.settings.level) { ctx.pointee.level = Int32((level * 10).rounded()) }
        try encoder.set("preset", rung.settings.preset)
        try encoder.set("profile", rung.settings.h264Profile)
        // Keyframes only where segments start: no scene-cut I-frames, closed GOPs, forced frames IDR, and a keyint
        // no shorter than the longest segment so that x264 adds none between cuts.
        try encoder.set("x264-params", "keyint=\(keyint):min-keyint=\(keyint):scenecut=0:open-gop=0")
        try encoder.set("forced-idr", "1")
        try encoder.open()
        self.directory = directory
        codecs = CodecString.h264(extradata: encoder.extradata) ?? "avc1.640028"
    }

    /// How many frames B-frame reordering puts the first decode time before the first presentation time
    /// (libx264 reports it in `has_b_frames`).
    var reorderDelay: Int { Int(encoder.context.pointee.has_b_frames) }

    /// Opens the writer, checking a kept init segment against this encoder's. Every timestamp is moved `delay`
    /// frames later, the presentation delay all tracks share. `finished`: an interrupted run wrote all of it.
    func prepare(
        delay: Int,
        kept: KeptTrack?,
        finished: Bool,
        completed: @escaping @Sendable (TrackFile) throws -> Void
    ) throws {
        writer = try CMAFTrackWriter(
            directory: directory,
            id: rung.id,
            source: .encoder(encoder),
            timeBase: encoder.context.pointee.time_base,
            codecs: codecs,
            delay: Int64(delay),
            leadIn: Int64(reorderDelay),
            kept: kept,
            completed: completed
        )
        let keptCount = kept?.segments.count ?? 0
        startSlot = finished ? Int.max : cuts.start(ofSegment: keptCount)
        encodeFrom = finished ? Int.max : cuts.start(ofSegment: max(0, keptCount - RungEncoder.warmUpSegments))
        encoded = startSlot
    }

    /// Starts the encoding thread.
    func launch() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "encode \(rung.id)"
        thread.start()
    }

    /// Output frames done so far, counting those of kept segments (for progress; `Int.max` when it has none to do).
    var framesEncoded: Int {
        state.lock()
        defer { state.unlock() }
        return encoded
    }

    /// Waits for the thread to finish and returns the track, or its error.
    func wait() throws -> TrackIndex {
        done.wait()
        state.lock()
        defer { state.unlock() }
        if let failure { throw failure }
        guard let index else { throw AVError.invalid("encode \(rung.id)") }
        return index
    }

    private func run() {
        do {
            let packet = try Packet()
            while let item = queue.pop() {
                guard item.slot >= encodeFrom else { continue }
                let picture = try scaler.convert(item.frame)
                picture.pts = Int64(item.slot)
                picture.pointer.pointee.pict_type = cuts.isCut(item.slot) ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
                try encoder.send(picture)
                try drain(packet)
                state.lock()
                encoded = max(encoded, item.slot + 1)
                state.unlock()
            }
            try encoder.send(nil)
            try drain(packet)
            guard let writer else { throw AVError.invalid("encode \(rung.id) before start") }
            let track = try writer.finish()
            state.lock()
            index = track
            state.unlock()
        } catch {
            queue.close()
            state.lock()
            failure = error
            state.unlock()
        }
    }

    private func drain(_ packet: Packet) throws {
        while try encoder.receive(into: packet) {
            // One frame per packet at constant rate; libx264 leaves the duration unset.
            if packet.duration <= 0 { packet.pointer.pointee.duration = 1 }
            // Warm-up frames belong to kept segments; the forced IDR at `startSlot` is the first packet written.
            if packet.pts >= Int64(startSlot) { try writer?.write(packet, startsSegment: packet.isKeyframe) }
            packet.unref()
        }
    }
}
