internal import CFFmpeg
import IngestCore

/// An opened input file (`AVFormatContext`), closed when released. The probe and the transcoder build on it.
public final class FormatInput {
    let context: UnsafeMutablePointer<AVFormatContext>

    /// Opens the local file `path` and reads stream information. libav may open nothing but local files
    /// (`protocol_whitelist`), and with `formats` only those demuxers (`format_whitelist`): a playlist, a concat
    /// script or a reference inside a file can then neither open another file through another demuxer nor connect
    /// anywhere, whatever the probe decided.
    public init(path: String, formats: [String]? = nil) throws(AVError) {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        try AVError.check(av_dict_set(&options, "protocol_whitelist", "file", 0), "allow only local files")
        if let formats {
            let list = formats.joined(separator: ",")
            try AVError.check(av_dict_set(&options, "format_whitelist", list, 0), "allow only the formats \(list)")
        }
        let status = path.withFileSystemPath { avformat_open_input(&ctx, $0, nil, &options) }
        try AVError.check(status, "open \(path.readablePath)")
        guard let opened = ctx else { throw AVError.invalid("open \(path.readablePath)") }
        do {
            try AVError.check(avformat_find_stream_info(opened, nil), "read stream info of \(path.readablePath)")
        } catch {
            avformat_close_input(&ctx)
            throw error
        }
        context = opened
    }

    private var chain: Unmanaged<FileChain>?

    /// Opens files read one after the other as a single input (CMAF init + segments for the MP4 remux).
    init(chain paths: [String]) throws(AVError) {
        guard let ctx = avformat_alloc_context() else { throw AVError.outOfMemory("allocate an input") }
        let box = Unmanaged.passRetained(FileChain(paths: paths))
        let size: Int32 = 64 * 1024
        guard let buffer = av_malloc(Int(size))?.assumingMemoryBound(to: UInt8.self),
            let io = avio_alloc_context(buffer, size, 0, box.toOpaque(), chainRead, nil, nil)
        else {
            box.release()
            avformat_free_context(ctx)
            throw AVError.outOfMemory("allocate an input buffer")
        }
        ctx.pointee.pb = io
        ctx.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        var opened: UnsafeMutablePointer<AVFormatContext>? = ctx
        do {
            // On failure avformat_open_input frees the context but not a custom AVIOContext.
            try AVError.check(avformat_open_input(&opened, nil, nil, nil), "open \(paths.first ?? "")")
        } catch {
            var pb: UnsafeMutablePointer<AVIOContext>? = io
            av_freep(&io.pointee.buffer)
            avio_context_free(&pb)
            box.release()
            throw error
        }
        guard let opened else { throw AVError.invalid("open \(paths.first ?? "")") }
        context = opened
        chain = box
        do {
            try AVError.check(avformat_find_stream_info(opened, nil), "read stream info")
        } catch {
            closeChain()
            throw error
        }
    }

    deinit {
        if chain != nil {
            closeChain()
        } else {
            var ctx: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&ctx)
        }
    }

    private func closeChain() {
        var pb = context.pointee.pb
        var ctx: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&ctx)
        if let io = pb {
            av_freep(&io.pointee.buffer)
            avio_context_free(&pb)
        }
        chain?.release()
        chain = nil
    }

    /// The demuxer's short name list, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var formatName: String {
        guard let name = context.pointee.iformat?.pointee.name else { return "" }
        return String(cString: name)
    }

    public var streamCount: Int {
        Int(context.pointee.nb_streams)
    }

    /// Duration in seconds, nil when the container does not say.
    public var duration: Double? {
        let d = context.pointee.duration
        guard d != LibAV.noTimestamp, d > 0 else { return nil }
        return Double(d) / Double(LibAV.timeBase.den)
    }

    /// Container bit rate in bits per second, nil when unknown.
    var bitRate: Int? {
        let rate = context.pointee.bit_rate
        return rate > 0 ? Int(rate) : nil
    }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream>? {
        guard index >= 0, index < streamCount, let streams = context.pointee.streams else { return nil }
        return streams[index]
    }

    /// Makes the demuxer skip every stream but `index` (a scan that reads one stream's packets only).
    func discardAll(except index: Int) {
        for other in 0..<streamCount where other != index {
            stream(other)?.pointee.discard = AVDISCARD_ALL
        }
    }

    /// A stream's codec configuration (avcC, AudioSpecificConfig, ...), empty when there is none.
    func extradata(of index: Int) -> [UInt8] {
        guard let parameters = stream(index)?.pointee.codecpar, let data = parameters.pointee.extradata,
            parameters.pointee.extradata_size > 0
        else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(parameters.pointee.extradata_size)))
    }

    /// A stream's time base as num/den.
    func timeBase(of index: Int) -> (num: Int32, den: Int32)? {
        guard let tb = stream(index)?.pointee.time_base, tb.num > 0, tb.den > 0 else { return nil }
        return (tb.num, tb.den)
    }

    /// A container-level metadata tag such as `major_brand`.
    func metadata(_ key: String) -> String? {
        guard let entry = av_dict_get(context.pointee.metadata, key, nil, 0), let value = entry.pointee.value else {
            return nil
        }
        return String(cString: value)
    }

    /// The best stream of a type (`AVMEDIA_TYPE_VIDEO`, ...), nil when there is none.
    func bestStream(_ type: AVMediaType) -> Int? {
        let index = av_find_best_stream(context, type, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// The next packet into `packet`; false at end of file.
    func read(into packet: Packet) throws(AVError) -> Bool {
        let ret = av_read_frame(context, packet.pointer)
        if ret == ri_averror_eof() { return false }
        try AVError.check(ret, "read a packet")
        return true
    }

    /// Seeks `stream` to the keyframe at or before `timestamp` (in the stream's time base).
    func seek(stream: Int, to timestamp: Int64) throws(AVError) {
        try AVError.check(
            av_seek_frame(context, Int32(stream), timestamp, AVSEEK_FLAG_BACKWARD),
            "seek to \(timestamp)"
        )
    }

    /// Which demuxer libav would pick for the first bytes of a file (nil when it recognises none), so that a
    /// damaged file of a known format can be told apart from something that is not media at all.
    static func detectFormat(header: [UInt8]) -> String? {
        let padding = Int(ri_av_probe_padding_size())
        var buffer = header + [UInt8](repeating: 0, count: padding)
        return buffer.withUnsafeMutableBufferPointer { bytes -> String? in
            var probe = AVProbeData()
            probe.buf = bytes.baseAddress
            probe.buf_size = Int32(header.count)
            var score: Int32 = 0
            guard let format = av_probe_input_format3(&probe, 1, &score), score > ri_avprobe_score_retry(),
                let name = format.pointee.name
            else { return nil }
            return String(cString: name)
        }
    }
}

/// libav's read callback over a `FileChain` passed as opaque.
private func chainRead(_ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int32)
    -> Int32
{
    guard let opaque, let buffer else { return ri_averror_einval() }
    let chain = Unmanaged<FileChain>.fromOpaque(opaque).takeUnretainedValue()
    let count = chain.read(into: buffer, count: Int(size))
    if count == 0 { return ri_averror_eof() }
    return count < 0 ? ri_averror(Int32(-count)) : Int32(count)
}
