internal import CFFmpeg

/// Converts decoded pictures to one output size and pixel format (`SwsContext`), then turns them upright.
/// The context is rebuilt only when the input geometry changes.
final class Scaler {
    private var context: OpaquePointer? = nil
    let width: Int32
    let height: Int32
    let format: AVPixelFormat
    /// Clockwise quarter turns applied after scaling.
    let rotation: Int
    /// The last pictures handed out, written over once nothing else holds their buffers.
    private var spareScaled: Frame?
    private var spareTurned: Frame?

    /// `width`×`height` is the upright output size; scaling happens at the pre-rotation size.
    init(width: Int32, height: Int32, format: AVPixelFormat, rotation: Int) {
        self.width = width
        self.height = height
        self.format = format
        self.rotation = rotation
    }

    deinit {
        sws_freeContext(context)
    }

    func convert(_ source: Frame) throws(AVError) -> Frame {
        let quarter = rotation % 180 == 90
        let scaledWidth = quarter ? height : width
        let scaledHeight = quarter ? width : height
        let input = source.pointer.pointee
        // Already the right size and format, upright, square: share the decoder's buffers instead of copying
        // (the encoder copies into its own frames anyway).
        if rotation == 0, input.width == width, input.height == height, input.format == format.rawValue {
            let sar = input.sample_aspect_ratio
            if sar.num == 0 || sar.num == sar.den { return try source.reference() }
        }
        context = sws_getCachedContext(
            context,
            input.width,
            input.height,
            AVPixelFormat(rawValue: input.format),
            scaledWidth,
            scaledHeight,
            format,
            SWS_BICUBIC,
            nil,
            nil,
            nil
        )
        guard let context else { throw AVError.invalid("set up scaling to \(scaledWidth)x\(scaledHeight)") }
        let scaled = try reusable(&spareScaled, width: scaledWidth, height: scaledHeight)
        let sourcePlanes = source.planes.map { UnsafePointer($0) }
        try AVError.check(
            sws_scale(context, sourcePlanes, source.strides, 0, input.height, scaled.planes, scaled.strides),
            "scale a frame"
        )
        scaled.pts = source.pts
        guard rotation != 0 else { return scaled }
        let turned = try reusable(&spareTurned, width: width, height: height)
        try PlaneRotation.rotate(scaled, into: turned, clockwise: rotation)
        turned.pts = source.pts
        return turned
    }

    /// The encoder copies each picture into its own buffers, so by the next frame only `slot` holds the last one:
    /// writing over it saves faulting in fresh pages for every frame (1.4 MB at 720p: 5 % of a transcode's CPU
    /// went to those page faults). A picture still referenced elsewhere is left alone and a new one allocated.
    private func reusable(_ slot: inout Frame?, width: Int32, height: Int32) throws(AVError) -> Frame {
        if let frame = slot, av_frame_is_writable(frame.pointer) != 0 { return frame }
        let frame = try Frame(width: width, height: height, format: format)
        slot = frame
        return frame
    }
}
