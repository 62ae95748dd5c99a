internal import CFFmpeg

/// An output muxer (`AVFormatContext`), either into a file libav opens itself (needed for `faststart`, which
/// rereads the file) or through a `FileSink` (fragmented MP4 split into segment files).
final class FormatOutput {
    let context: UnsafeMutablePointer<AVFormatContext>
    private let sink: FileSink?
    private var sinkBox: Unmanaged<FileSink>?
    private var ownsFile = false
    private var headerWritten = false

    /// A muxer writing through `sink`, which must stay unseekable-friendly (fragmented output only).
    init(format: String, sink: FileSink) throws(AVError) {
        context = try FormatOutput.allocate(format: format, path: nil)
        self.sink = sink
        let box = Unmanaged.passRetained(sink)
        sinkBox = box
        let size: Int32 = 64 * 1024
        guard let buffer = av_malloc(Int(size))?.assumingMemoryBound(to: UInt8.self),
            let io = avio_alloc_context(buffer, size, 1, box.toOpaque(), nil, sinkWrite, nil)
        else {
            box.release()
            sinkBox = nil
            var ctx: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_free_context(ctx)
            ctx = nil
            throw AVError.outOfMemory("allocate an output buffer")
        }
        context.pointee.pb = io
        context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
    }

    /// A muxer writing the file at `path`.
    init(format: String, path: String) throws(AVError) {
        context = try FormatOutput.allocate(format: format, path: path)
        sink = nil
        do {
            try AVError.check(avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE), "create \(path)")
        } catch {
            avformat_free_context(context)
            throw error
        }
        ownsFile = true
    }

    private static func allocate(format: String, path: String?) throws(AVError) -> UnsafeMutablePointer<AVFormatContext>
    {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try AVError.check(avformat_alloc_output_context2(&ctx, nil, format, path), "set up the \(format) muxer")
        guard let ctx else { throw AVError.invalid("set up the \(format) muxer") }
        return ctx
    }

    deinit {
        if ownsFile {
            avio_closep(&context.pointee.pb)
        } else if context.pointee.pb != nil {
            av_freep(&context.pointee.pb.pointee.buffer)
            avio_context_free(&context.pointee.pb)
        }
        avformat_free_context(context)
        sinkBox?.release()
    }

    /// A stream carrying what `encoder` produces (codec parameters and time base).
    func addStream(from encoder: UnsafePointer<AVCodecContext>) throws(AVError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else { throw AVError.outOfMemory("add a stream") }
        try AVError.check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder), "describe a stream")
        stream.pointee.time_base = encoder.pointee.time_base
        return stream
    }

    /// A stream copying `parameters` (remux).
    func addStream(copying parameters: UnsafePointer<AVCodecParameters>, timeBase: AVRational) throws(AVError)
        -> UnsafeMutablePointer<AVStream>
    {
        guard let stream = avformat_new_stream(context, nil) else { throw AVError.outOfMemory("add a stream") }
        try AVError.check(avcodec_parameters_copy(stream.pointee.codecpar, parameters), "copy stream parameters")
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = timeBase
        return stream
    }

    func writeHeader(options: [String: String]) throws(AVError) {
        var dict: OpaquePointer? = nil
        defer { av_dict_free(&dict) }
        for (key, value) in options {
            try AVError.check(av_dict_set(&dict, key, value, 0), "set muxer option \(key)")
        }
        try AVError.check(avformat_write_header(context, &dict), "write the header")
        try checkSink("write the header")
        if let leftover = av_dict_get(dict, "", nil, AV_DICT_IGNORE_SUFFIX), let key = leftover.pointee.key {
            throw AVError.invalid("muxer option \(String(cString: key)) not recognised")
        }
        headerWritten = true
    }

    /// Writes one packet as it comes (single-stream outputs, or callers that interleave themselves).
    func write(_ packet: Packet) throws(AVError) {
        try AVError.check(av_write_frame(context, packet.pointer), "write a packet")
        try checkSink("write a packet")
    }

    /// Ends the current fragment (`frag_custom`) and pushes its bytes to the sink.
    func flushFragment() throws(AVError) {
        try AVError.check(av_write_frame(context, nil), "finish a fragment")
        avio_flush(context.pointee.pb)
        try checkSink("finish a fragment")
    }

    func writeTrailer() throws(AVError) {
        guard headerWritten else { return }
        try AVError.check(av_write_trailer(context), "write the trailer")
        if context.pointee.pb != nil { avio_flush(context.pointee.pb) }
        try checkSink("write the trailer")
    }

    private func checkSink(_ operation: String) throws(AVError) {
        if let sink, sink.failure != 0 { throw AVError(code: sink.failure, operation: operation) }
    }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream>? {
        guard index < Int(context.pointee.nb_streams), let streams = context.pointee.streams else { return nil }
        return streams[index]
    }
}

/// libav's write callback: forwards to the `FileSink` passed as opaque.
private func sinkWrite(_ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int32)
    -> Int32
{
    guard let opaque, let buffer else { return ri_averror_einval() }
    let sink = Unmanaged<FileSink>.fromOpaque(opaque).takeUnretainedValue()
    return sink.write(buffer, Int(size))
}
