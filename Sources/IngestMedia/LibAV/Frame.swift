internal import CFFmpeg

/// An owned `AVFrame`, freed when released. Sendable because ownership is handed over whole between the decoder
/// thread and an encoder thread through a queue; it is never used from two threads at once.
final class Frame: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws(AVError) {
        guard let frame = av_frame_alloc() else { throw AVError.outOfMemory("allocate a frame") }
        pointer = frame
    }

    /// A frame with its own buffers for `width`×`height` in `format`.
    convenience init(width: Int32, height: Int32, format: AVPixelFormat) throws(AVError) {
        try self.init()
        pointer.pointee.width = width
        pointer.pointee.height = height
        pointer.pointee.format = format.rawValue
        try AVError.check(av_frame_get_buffer(pointer, 0), "allocate a \(width)x\(height) frame")
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// A new reference to the same buffers (no pixel copy).
    func reference() throws(AVError) -> Frame {
        let copy = try Frame()
        try AVError.check(av_frame_ref(copy.pointer, pointer), "reference a frame")
        return copy
    }

    func unref() { av_frame_unref(pointer) }

    /// The eight `data` plane pointers.
    var planes: [UnsafeMutablePointer<UInt8>?] {
        withUnsafeBytes(of: pointer.pointee.data) { Array($0.bindMemory(to: UnsafeMutablePointer<UInt8>?.self)) }
    }

    /// The eight `linesize` strides.
    var strides: [Int32] {
        withUnsafeBytes(of: pointer.pointee.linesize) { Array($0.bindMemory(to: Int32.self)) }
    }

    var width: Int32 { pointer.pointee.width }
    var height: Int32 { pointer.pointee.height }
    var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }
    /// The decoder's best guess at the presentation time, in the stream time base.
    var bestEffortTimestamp: Int64 { pointer.pointee.best_effort_timestamp }
}
