internal import CFFmpeg
import IngestCore

/// Reads what a probe reports about one `AVStream`.
enum StreamInfo {
    static func describe(_ stream: UnsafeMutablePointer<AVStream>, in input: FormatInput) -> ProbeStream {
        let index = Int(stream.pointee.index)
        guard let par = stream.pointee.codecpar?.pointee else {
            return ProbeStream(index: index, type: "unknown", codec: "")
        }
        let type = av_get_media_type_string(par.codec_type).map { String(cString: $0) } ?? "unknown"
        var info = ProbeStream(index: index, type: type, codec: codecName(par.codec_id))
        info.profile = avcodec_profile_name(par.codec_id, par.profile).map { String(cString: $0) }
        info.bitRate = par.bit_rate > 0 ? Int(par.bit_rate) : nil
        if stream.pointee.duration != LibAV.noTimestamp, stream.pointee.duration > 0 {
            info.duration = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
        }
        switch par.codec_type {
        case AVMEDIA_TYPE_VIDEO:
            info.width = Int(par.width)
            info.height = Int(par.height)
            info.rotation = rotation(of: stream)
            let sar = av_guess_sample_aspect_ratio(input.context, stream, nil)
            info.sampleAspectRatio = sar.num > 0 && sar.den > 0 ? "\(sar.num):\(sar.den)" : "1:1"
            let nominal = rate(stream.pointee.r_frame_rate)
            let average = rate(stream.pointee.avg_frame_rate)
            info.frameRate = nominal ?? average
            info.averageFrameRate = average
            if let nominal, let average {
                info.variableFrameRate = abs(nominal - average) / nominal > 0.01
            } else {
                info.variableFrameRate = false
            }
            let format = AVPixelFormat(rawValue: par.format)
            info.pixelFormat = av_get_pix_fmt_name(format).map { String(cString: $0) }
            if let descriptor = av_pix_fmt_desc_get(format) {
                info.bitDepth = Int(descriptor.pointee.comp.0.depth)
            }
            info.fieldOrder = fieldOrder(par.field_order)
        case AVMEDIA_TYPE_AUDIO:
            info.sampleRate = Int(par.sample_rate)
            info.channels = Int(par.ch_layout.nb_channels)
            var layout = par.ch_layout
            var buffer = [CChar](repeating: 0, count: 64)
            let written = buffer.withUnsafeMutableBufferPointer {
                av_channel_layout_describe(&layout, $0.baseAddress, $0.count)
            }
            if written > 0 { info.channelLayout = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
        default:
            break
        }
        return info
    }

    /// Clockwise degrees (0, 90, 180, 270) from the display matrix; libav reports counter-clockwise.
    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        var size: Int = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 36 else {
            return 0
        }
        let degrees = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard degrees.isFinite else { return 0 }
        let clockwise = Int((-degrees).rounded())
        let normalized = ((clockwise % 360) + 360) % 360
        return (normalized + 45) / 90 * 90 % 360
    }

    static func rate(_ q: AVRational) -> Double? {
        q.num > 0 && q.den > 0 ? Double(q.num) / Double(q.den) : nil
    }

    static func fieldOrder(_ order: AVFieldOrder) -> String {
        switch order {
        case AV_FIELD_PROGRESSIVE: "progressive"
        case AV_FIELD_TT: "tt"
        case AV_FIELD_BB: "bb"
        case AV_FIELD_TB: "tb"
        case AV_FIELD_BT: "bt"
        default: "unknown"
        }
    }
}
