internal import CFFmpeg

/// An owned `AVPacket`, freed when released.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws(AVError) {
        guard let packet = av_packet_alloc() else { throw AVError.outOfMemory("allocate a packet") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    /// A new reference to the same data (no copy of the payload).
    func reference() throws(AVError) -> Packet {
        let copy = try Packet()
        try AVError.check(av_packet_ref(copy.pointer, pointer), "reference a packet")
        return copy
    }

    func unref() { av_packet_unref(pointer) }

    var streamIndex: Int { Int(pointer.pointee.stream_index) }
    var pts: Int64 { pointer.pointee.pts }
    var dts: Int64 { pointer.pointee.dts }
    var duration: Int64 { pointer.pointee.duration }
    var size: Int { Int(pointer.pointee.size) }
    var isKeyframe: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }
    /// Marked by the demuxer as not to be shown (an edit list trims it).
    var isDiscarded: Bool { pointer.pointee.flags & AV_PKT_FLAG_DISCARD != 0 }

    /// The payload, valid only inside `body`.
    func withData<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        guard let data = pointer.pointee.data, pointer.pointee.size > 0 else {
            return body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return body(UnsafeRawBufferPointer(start: data, count: Int(pointer.pointee.size)))
    }
}
