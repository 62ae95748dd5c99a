internal import CFFmpeg
import Foundation

/// One rendition on its own thread: scale (and turn upright), encode with libx264, write CMAF segments.
/// Every segment starts with a forced IDR at frame k × gop, the same frames in every rung.
final class RungEncoder: @unchecked Sendable {
    let rung: LadderPlan.Rung
    let queue: FrameQueue<Frame>
    private let gop: Int
    private let scaler: Scaler
    private let encoder: Encoder
    private let state = NSLock()
    private var encoded = 0
    private var failure: Error?
    private var index: TrackIndex?
    private let done = DispatchSemaphore(value: 0)

    /// `queueCapacity`: decoded frames this rung may fall behind the decoder (see `LadderPlan.queueCapacity`).
    init(
        rung: LadderPlan.Rung,
        plan: LadderPlan,
        queueCapacity: Int,
        directory: String,
        announce: @escaping @Sendable (String) -> Void
    ) throws(AVError) {
        self.rung = rung
        self.announce = announce
        queue = FrameQueue<Frame>(capacity: queueCapacity)
        gop = plan.gop
        scaler = Scaler(
            width: Int32(rung.width),
            height: Int32(rung.height),
            format: AV_PIX_FMT_YUV420P,
            rotation: plan.rotation
        )
        encoder = try Encoder(name: "libx264")
        let ctx = encoder.context
        ctx.pointee.width = Int32(rung.width)
        ctx.pointee.height = Int32(rung.height)
        ctx.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        ctx.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        ctx.pointee.time_base = AVRational(num: plan.frameRate.den, den: plan.frameRate.num)
        ctx.pointee.framerate = AVRational(num: plan.frameRate.num, den: plan.frameRate.den)
        ctx.pointee.bit_rate = Int64(rung.settings.videoBitrate)
        ctx.pointee.rc_max_rate = Int64(rung.settings.maxrate)
        ctx.pointee.rc_buffer_size = Int32(clamping: rung.settings.bufsize)
        ctx.pointee.gop_size = Int32(plan.gop)
        ctx.pointee.keyint_min = Int32(plan.gop)
        ctx.pointee.thread_count = Int32(rung.threads)
        ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER | Int32(bitPattern: AV_CODEC_FLAG_CLOSED_GOP)
        ctx.pointee.color_range = AVCOL_RANGE_MPEG
        if let level = Double(rung.settings.level) { ctx.pointee.level = Int32((level * 10).rounded()) }
        try encoder.set("preset", rung.settings.preset)
        try encoder.set("profile", rung.settings.h264Profile)
        // Keyframes only where segments start: fixed GOP, no scene-cut I-frames, closed GOPs, forced frames IDR.
        try encoder.set("x264-params", "keyint=\(plan.gop):min-keyint=\(plan.gop):scenecut=0:open-gop=0")
        try encoder.set("forced-idr", "1")
        try encoder.open()
        self.directory = directory
        codecs = CodecString.h264(extradata: encoder.extradata) ?? "avc1.640028"
    }

    private let directory: String
    private let announce: @Sendable (String) -> Void
    private let codecs: String
    private var writer: CMAFTrackWriter?

    /// How many frames B-frame reordering puts the first decode time before the first presentation time
    /// (libx264 reports it in `has_b_frames`).
    var reorderDelay: Int { Int(encoder.context.pointee.has_b_frames) }

    /// Starts the thread. Presentation starts `startDelay` frames into the timeline (the largest reordering
    /// delay of all rungs), which the writer records for the manifests.
    func start(startDelay: Int) throws(AVError) {
        writer = try CMAFTrackWriter(
            directory: directory,
            id: rung.id,
            encoder: encoder,
            codecs: codecs,
            startOffset: Int64(startDelay),
            announce: announce
        )
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "encode \(rung.id)"
        thread.start()
    }

    /// Frames encoded so far (for progress).
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
            var number: Int64 = 0
            let packet = try Packet()
            while let frame = queue.pop() {
                let picture = try scaler.convert(frame)
                picture.pts = number
                picture.pointer.pointee.pict_type = number % Int64(gop) == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
                try encoder.send(picture)
                try drain(packet)
                number += 1
                state.lock()
                encoded = Int(number)
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

    private func drain(_ packet: Packet) throws(AVError) {
        while try encoder.receive(into: packet) {
            // One frame per packet at constant rate; libx264 leaves the duration unset.
            if packet.duration <= 0 { packet.pointer.pointee.duration = 1 }
            try writer?.write(packet, startsSegment: packet.isKeyframe)
            packet.unref()
        }
    }
}
