internal import CFFmpeg

/// Converts decoded audio to the output layout, format and rate (`SwrContext`) and cuts it into the encoder's
/// frame size through an `AVAudioFifo`.
final class Resampler {
    private var context: OpaquePointer? = nil
    private var fifo: OpaquePointer?
    let sampleRate: Int32
    let channels: Int32
    let format: AVSampleFormat

    init(input: UnsafePointer<AVCodecContext>, sampleRate: Int32, channels: Int32, format: AVSampleFormat)
        throws(AVError)
    {
        self.sampleRate = sampleRate
        self.channels = channels
        self.format = format
        var outLayout = AVChannelLayout()
        av_channel_layout_default(&outLayout, channels)
        var inLayout = AVChannelLayout()
        // Sources with an unordered layout (PCM in AVI) get the default layout for their channel count.
        if input.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&inLayout, input.pointee.ch_layout.nb_channels)
        } else {
            var source = input.pointee.ch_layout
            try AVError.check(av_channel_layout_copy(&inLayout, &source), "copy the channel layout")
        }
        defer { av_channel_layout_uninit(&inLayout) }
        try AVError.check(
            swr_alloc_set_opts2(
                &context,
                &outLayout,
                format,
                sampleRate,
                &inLayout,
                input.pointee.sample_fmt,
                input.pointee.sample_rate,
                0,
                nil
            ),
            "set up audio resampling"
        )
        try AVError.check(swr_init(context), "start audio resampling")
        guard let fifo = av_audio_fifo_alloc(format, channels, 4096) else {
            throw AVError.outOfMemory("allocate the audio queue")
        }
        self.fifo = fifo
    }

    deinit {
        swr_free(&context)
        if let fifo { av_audio_fifo_free(fifo) }
    }

    /// Resamples `frame` (nil flushes the resampler's delay) into the queue.
    func push(_ frame: Frame?) throws(AVError) {
        let inputSamples = frame.map { Int64($0.pointer.pointee.nb_samples) } ?? 0
        let inputRate = frame.map { Int64($0.pointer.pointee.sample_rate) } ?? Int64(sampleRate)
        let capacity =
            Int32(
                av_rescale_rnd(
                    swr_get_delay(context, inputRate) + inputSamples,
                    Int64(sampleRate),
                    inputRate,
                    AV_ROUND_UP
                )
            ) + 32
        let out = try Frame()
        out.pointer.pointee.format = format.rawValue
        out.pointer.pointee.sample_rate = sampleRate
        av_channel_layout_default(&out.pointer.pointee.ch_layout, channels)
        out.pointer.pointee.nb_samples = capacity
        try AVError.check(av_frame_get_buffer(out.pointer, 0), "allocate resampled audio")
        let inputPlanes: [UnsafePointer<UInt8>?] =
            frame.map { f in
                let extended = f.pointer.pointee.extended_data
                let planes =
                    av_sample_fmt_is_planar(AVSampleFormat(rawValue: f.pointer.pointee.format)) != 0
                    ? Int(f.pointer.pointee.ch_layout.nb_channels) : 1
                return (0..<planes).map { UnsafePointer(extended?[$0]) }
            } ?? []
        let converted = inputPlanes.withUnsafeBufferPointer { input in
            swr_convert(
                context,
                out.pointer.pointee.extended_data,
                capacity,
                frame == nil ? nil : UnsafeMutablePointer(mutating: input.baseAddress),
                Int32(inputSamples)
            )
        }
        try AVError.check(converted, "resample audio")
        guard converted > 0 else { return }
        let written = out.pointer.pointee.extended_data.withMemoryRebound(
            to: UnsafeMutableRawPointer?.self,
            capacity: Int(channels)
        ) {
            av_audio_fifo_write(fifo, $0, converted)
        }
        try AVError.check(written, "queue resampled audio")
    }

    var buffered: Int32 { av_audio_fifo_size(fifo) }

    /// Discards `count` queued samples.
    func drop(_ count: Int32) throws(AVError) {
        try AVError.check(av_audio_fifo_drain(fifo, min(count, buffered)), "drop queued audio")
    }

    /// Takes up to `count` queued samples as a frame for the encoder.
    func pop(_ count: Int32) throws(AVError) -> Frame {
        let take = min(count, buffered)
        let frame = try Frame()
        frame.pointer.pointee.format = format.rawValue
        frame.pointer.pointee.sample_rate = sampleRate
        av_channel_layout_default(&frame.pointer.pointee.ch_layout, channels)
        frame.pointer.pointee.nb_samples = take
        try AVError.check(av_frame_get_buffer(frame.pointer, 0), "allocate an audio frame")
        let read = frame.pointer.pointee.extended_data.withMemoryRebound(
            to: UnsafeMutableRawPointer?.self,
            capacity: Int(channels)
        ) {
            av_audio_fifo_read(fifo, $0, take)
        }
        try AVError.check(read, "take queued audio")
        return frame
    }
}
