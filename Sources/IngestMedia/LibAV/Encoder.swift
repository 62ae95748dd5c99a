internal import CFFmpeg

/// One encoder (`AVCodecContext`), freed when released. Configure with `configure` before `open`.
final class Encoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    let codec: UnsafePointer<AVCodec>
    private var options: OpaquePointer? = nil

    init(name: String) throws(AVError) {
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw AVError(code: ri_averror_encoder_not_found(), operation: "find the \(name) encoder")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { throw AVError.outOfMemory("allocate an encoder") }
        self.codec = codec
        context = ctx
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&ctx)
        av_dict_free(&options)
    }

    /// A private option of the codec (`preset`, `x264-params`, ...), applied at `open`.
    func set(_ key: String, _ value: String) throws(AVError) {
        try AVError.check(av_dict_set(&options, key, value, 0), "set encoder option \(key)")
    }

    /// Opens the encoder; an option the codec does not know is an error rather than silently ignored.
    func open() throws(AVError) {
        try AVError.check(
            avcodec_open2(context, codec, &options),
            "open the \(String(cString: codec.pointee.name)) encoder"
        )
        if let leftover = av_dict_get(options, "", nil, AV_DICT_IGNORE_SUFFIX), let key = leftover.pointee.key {
            throw AVError.invalid("encoder option \(String(cString: key)) not recognised")
        }
    }

    /// Sends a frame, or nil to start draining.
    func send(_ frame: Frame?) throws(AVError) {
        try AVError.check(avcodec_send_frame(context, frame?.pointer), "\(name): encode a frame")
    }

    /// The next packet into `packet`; false when the encoder needs input or is drained.
    func receive(into packet: Packet) throws(AVError) -> Bool {
        let ret = avcodec_receive_packet(context, packet.pointer)
        if ret == ri_averror_eagain() || ret == ri_averror_eof() { return false }
        try AVError.check(ret, "\(name): encode a packet")
        return true
    }

    var name: String { String(cString: codec.pointee.name) }

    /// The codec configuration (SPS/PPS, AudioSpecificConfig) written into init segments.
    var extradata: [UInt8] {
        guard let data = context.pointee.extradata, context.pointee.extradata_size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(context.pointee.extradata_size)))
    }
}
