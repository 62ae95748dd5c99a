/// Where the first decoded video frame and the first decoded audio frame lie (stream time bases): the zero points
/// of a transcode's frame and sample counts. A resumed run measures them again from the start of the file, so that
/// frames and samples found after a seek land on the same counts as in the interrupted run.
struct StreamOrigins: Sendable, Equatable {
    var video: Int64
    var audio: Int64?

    /// Decodes from the start until one frame of each stream has come out (a bounded number of packets).
    static func measure(path: String, formats: [String], video: Int, audio: Int?) throws -> StreamOrigins {
        let input = try FormatInput(path: path, formats: formats)
        guard let videoStream = input.stream(video) else { throw TranscodeFailure("no video stream") }
        let videoDecoder = try Decoder(stream: videoStream, threads: 1)
        let audioDecoder = try audio.flatMap(input.stream).map { try Decoder(stream: $0, threads: 1) }
        let packet = try Packet()
        let frame = try Frame()
        var videoOrigin: Int64?
        var audioOrigin: Int64?
        var read = 0
        while videoOrigin == nil || (audioDecoder != nil && audioOrigin == nil), read < 5000,
            try input.read(into: packet)
        {
            defer { packet.unref() }
            read += 1
            if packet.streamIndex == video, videoOrigin == nil {
                guard try videoDecoder.sendSkippingDamage(packet) else { continue }
                if try videoDecoder.receive(into: frame) {
                    videoOrigin = frame.bestEffortTimestamp
                    frame.unref()
                }
            } else if packet.streamIndex == audio, audioOrigin == nil, let audioDecoder {
                guard try audioDecoder.sendSkippingDamage(packet) else { continue }
                if try audioDecoder.receive(into: frame) {
                    audioOrigin = frame.pts
                    frame.unref()
                }
            }
        }
        guard let videoOrigin, videoOrigin != LibAV.noTimestamp else {
            throw CheckpointMismatch("the first video frame has no timestamp")
        }
        if audioDecoder != nil, audioOrigin == nil || audioOrigin == LibAV.noTimestamp {
            throw CheckpointMismatch("the first audio frame has no timestamp")
        }
        return StreamOrigins(video: videoOrigin, audio: audioOrigin)
    }
}
