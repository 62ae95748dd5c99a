internal import CFFmpeg

/// One stream's decoder (`AVCodecContext`), freed when released.
final class Decoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    let timeBase: AVRational

    /// Opens the decoder for `stream`; `threads` 0 lets libav choose.
    init(stream: UnsafeMutablePointer<AVStream>, threads: Int32 = 1) throws(AVError) {
        guard let parameters = stream.pointee.codecpar else { throw AVError.invalid("stream without parameters") }
        let codecID = parameters.pointee.codec_id
        guard let codec = avcodec_find_decoder(codecID) else {
            throw AVError(code: ri_averror_decoder_not_found(), operation: "find a decoder for \(codecName(codecID))")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { throw AVError.outOfMemory("allocate a decoder") }
        var owned: UnsafeMutablePointer<AVCodecContext>? = ctx
        do {
            try AVError.check(avcodec_parameters_to_context(ctx, parameters), "configure the decoder")
            ctx.pointee.pkt_timebase = stream.pointee.time_base
            ctx.pointee.thread_count = threads
            try AVError.check(avcodec_open2(ctx, codec, nil), "open the \(codecName(codecID)) decoder")
        } catch {
            avcodec_free_context(&owned)
            throw error
        }
        context = ctx
        timeBase = stream.pointee.time_base
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&ctx)
    }

    /// Sends a packet, or nil to start draining.
    func send(_ packet: Packet?) throws(AVError) {
        try AVError.check(avcodec_send_packet(context, packet?.pointer), "decode a packet")
    }

    /// Drops everything buffered, after a seek.
    func flush() {
        avcodec_flush_buffers(context)
    }

    /// Sends a packet; false when the decoder refused it as damaged (the caller skips it, as players do).
    func sendSkippingDamage(_ packet: Packet) throws(AVError) -> Bool {
        let ret = avcodec_send_packet(context, packet.pointer)
        if ret == ri_averror_invaliddata() { return false }
        try AVError.check(ret, "decode a packet")
        return true
    }

    /// The next decoded frame into `frame`; false when the decoder needs input or is drained.
    func receive(into frame: Frame) throws(AVError) -> Bool {
        let ret = avcodec_receive_frame(context, frame.pointer)
        if ret == ri_averror_eagain() || ret == ri_averror_eof() { return false }
        try AVError.check(ret, "decode a frame")
        return true
    }
}

func codecName(_ id: AVCodecID) -> String {
    guard let name = avcodec_get_name(id) else { return "unknown" }
    return String(cString: name)
}
