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

    /// An audio frame holding this one's samples from `count` on (a copy; `count` must be below `nb_samples`).
    func droppingLeadingSamples(_ count: Int32) throws(AVError) -> Frame {
        let source = pointer.pointee
        let kept = source.nb_samples - count
        guard count >= 0, kept > 0 else { throw AVError.invalid("drop \(count) of \(source.nb_samples) samples") }
        let copy = try Frame()
        copy.pointer.pointee.format = source.format
        copy.pointer.pointee.sample_rate = source.sample_rate
        copy.pointer.pointee.nb_samples = kept
        var layout = source.ch_layout
        try AVError.check(av_channel_layout_copy(&copy.pointer.pointee.ch_layout, &layout), "copy a channel layout")
        try AVError.check(av_frame_get_buffer(copy.pointer, 0), "allocate \(kept) audio samples")
        try AVError.check(
            av_samples_copy(
                copy.pointer.pointee.extended_data,
                source.extended_data,
                0,
                count,
                kept,
                source.ch_layout.nb_channels,
                AVSampleFormat(rawValue: source.format)
            ),
            "copy audio samples"
        )
        return copy
    }

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
