internal import CFFmpeg

/// An opened input file (`AVFormatContext`), closed when released. The probe and the transcoder build on it.
public final class FormatInput {
    private var context: UnsafeMutablePointer<AVFormatContext>?

    /// Opens `path` and reads stream information.
    public init(path: String) throws(AVError) {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try AVError.check(avformat_open_input(&ctx, path, nil, nil), "open \(path)")
        context = ctx
        do {
            try AVError.check(avformat_find_stream_info(ctx, nil), "read stream info of \(path)")
        } catch {
            avformat_close_input(&context)
            throw error
        }
    }

    deinit {
        avformat_close_input(&context)
    }

    /// The demuxer's short name list, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var formatName: String {
        guard let name = context?.pointee.iformat?.pointee.name else { return "" }
        return String(cString: name)
    }

    public var streamCount: Int {
        Int(context?.pointee.nb_streams ?? 0)
    }

    /// Duration in seconds, nil when the container does not say.
    public var duration: Double? {
        guard let d = context?.pointee.duration, d != LibAV.noTimestamp, d > 0 else { return nil }
        return Double(d) / Double(LibAV.timeBase.den)
    }
}
