internal import CFFmpeg

/// The progressive MP4: the packets of one rung's CMAF segments and of the audio segments, remuxed (never
/// re-encoded) into one `faststart` file.
enum ProgressiveMP4 {
    /// `startOffset` (seconds) is taken off every timestamp so the file starts at 0; the MP4 muxer writes an
    /// edit list for the B-frame delay, which progressive players honour.
    static func remux(video: [String], audio: [String]?, startOffset: Double, to path: String) throws(AVError) {
        var inputs = [try FormatInput(chain: video)]
        if let audio { inputs.append(try FormatInput(chain: audio)) }
        let output = try FormatOutput(format: "mp4", path: path)
        var streams: [UnsafeMutablePointer<AVStream>] = []
        for input in inputs {
            guard let stream = input.stream(0), let parameters = stream.pointee.codecpar else {
                throw AVError.invalid("read the segments of \(path)")
            }
            streams.append(try output.addStream(copying: parameters, timeBase: stream.pointee.time_base))
        }
        // faststart: moov before mdat, so playback starts before the whole file has downloaded.
        try output.writeHeader(options: ["movflags": "+faststart"])
        var pending: [Packet?] = []
        for input in inputs { pending.append(try next(from: input)) }
        // Interleave by decode time so neither track runs far ahead of the other in the file.
        while true {
            var pick: Int? = nil
            var best = Double.infinity
            for (i, packet) in pending.enumerated() {
                guard let packet, let stream = inputs[i].stream(0) else { continue }
                let time =
                    Double(packet.dts == LibAV.noTimestamp ? packet.pts : packet.dts) * av_q2d(stream.pointee.time_base)
                if time < best {
                    best = time
                    pick = i
                }
            }
            guard let index = pick, let packet = pending[index], let source = inputs[index].stream(0) else { break }
            let shift = Int64((startOffset / av_q2d(source.pointee.time_base)).rounded())
            if packet.pts != LibAV.noTimestamp { packet.pointer.pointee.pts -= shift }
            if packet.dts != LibAV.noTimestamp { packet.pointer.pointee.dts -= shift }
            av_packet_rescale_ts(packet.pointer, source.pointee.time_base, streams[index].pointee.time_base)
            packet.pointer.pointee.stream_index = Int32(index)
            packet.pointer.pointee.pos = -1
            try AVError.check(av_interleaved_write_frame(output.context, packet.pointer), "write \(path)")
            pending[index] = try next(from: inputs[index])
        }
        try output.writeTrailer()
    }

    private static func next(from input: FormatInput) throws(AVError) -> Packet? {
        let packet = try Packet()
        return try input.read(into: packet) ? packet : nil
    }
}
