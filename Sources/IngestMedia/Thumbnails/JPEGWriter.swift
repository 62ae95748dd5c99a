internal import CFFmpeg
import Foundation

/// Encodes pictures as JPEG with libavcodec's mjpeg encoder at one size.
final class JPEGWriter {
    private let scaler: Scaler
    private let encoder: Encoder
    private let packet: Packet
    let width: Int
    let height: Int
    private var written: Int64 = 0

    /// `quality` 1...100 maps onto mjpeg's quantiser scale 31...2.
    init(width: Int, height: Int, rotation: Int, quality: Int) throws(AVError) {
        self.width = width
        self.height = height
        // yuvj420p: full-range 4:2:0, what JPEG viewers expect.
        scaler = Scaler(width: Int32(width), height: Int32(height), format: AV_PIX_FMT_YUVJ420P, rotation: rotation)
        encoder = try Encoder(name: "mjpeg")
        let ctx = encoder.context
        ctx.pointee.width = Int32(width)
        ctx.pointee.height = Int32(height)
        ctx.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        ctx.pointee.time_base = AVRational(num: 1, den: 25)
        ctx.pointee.color_range = AVCOL_RANGE_JPEG
        ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
        let clamped = min(100, max(1, quality))
        let qscale = 2 + (100 - clamped) * 29 / 99
        ctx.pointee.global_quality = Int32(qscale) * FF_QP2LAMBDA
        try encoder.open()
        packet = try Packet()
    }

    /// Writes `frame` as a JPEG file; returns its size in bytes.
    func write(_ frame: Frame, to path: String) throws(AVError) -> Int64 {
        let bytes = try encode(frame)
        do {
            try bytes.write(to: URL(fileURLWithPath: path))
        } catch {
            throw AVError(code: AVError.posix(EIO), operation: "write \(path)")
        }
        return Int64(bytes.count)
    }

    /// `frame` as JPEG bytes.
    func encode(_ frame: Frame) throws(AVError) -> Data {
        let picture = try scaler.convert(frame)
        // mpegvideo-based encoders refuse a timestamp that does not increase.
        picture.pts = written
        written += 1
        picture.pointer.pointee.quality = encoder.context.pointee.global_quality
        try encoder.send(picture)
        guard try encoder.receive(into: packet), let data = packet.pointer.pointee.data else {
            throw AVError.invalid("encode a JPEG")
        }
        defer { packet.unref() }
        return Data(bytes: data, count: packet.size)
    }
}
