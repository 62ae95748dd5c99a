internal import CFFmpeg
import IngestCore

/// The one audio rendition shared by every rung: decode, resample to stereo 48 kHz with libswresample, encode
/// AAC-LC, write CMAF segments cut at the same times as the video segments. Runs on the decoding thread (it
/// costs a few percent of one core).
final class AudioTrack {
    private let decoder: Decoder
    private let resampler: Resampler
    private let encoder: Encoder
    private let writer: CMAFTrackWriter
    private let frame: Frame
    private let packet: Packet
    private let segmentSamples: Int64
    private var samplesQueued: Int64 = 0
    private var nextBoundary: Int64
    /// Encoder priming (AAC: 1024 samples), dropped from the input and added to the timestamps so the first
    /// packet starts at 0 and sound stays in sync without relying on edit lists (CMAF timelines cannot be
    /// negative). Costs the first 21 ms of sound.
    private let priming: Int64
    private var primingDropped = false
    /// The video's reordering delay in samples, added to every timestamp so both tracks start together.
    private let shift: Int64
    /// Audio beyond the video's end is dropped, so both tracks end together.
    private let maxSamples: Int64
    let streamIndex: Int

    init(
        stream: UnsafeMutablePointer<AVStream>,
        settings: AudioSettings,
        segmentSeconds: Double,
        maxSeconds: Double,
        startOffset: Double,
        directory: String,
        announce: @escaping @Sendable (String) -> Void
    ) throws(AVError) {
        streamIndex = Int(stream.pointee.index)
        decoder = try Decoder(stream: stream, threads: 1)
        encoder = try Encoder(name: "aac")
        let ctx = encoder.context
        ctx.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        ctx.pointee.sample_rate = Int32(settings.sampleRate)
        av_channel_layout_default(&ctx.pointee.ch_layout, Int32(settings.channels))
        ctx.pointee.bit_rate = Int64(settings.bitrate)
        ctx.pointee.time_base = AVRational(num: 1, den: Int32(settings.sampleRate))
        ctx.pointee.profile = FF_PROFILE_AAC_LOW
        ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        try encoder.open()
        priming = Int64(max(0, encoder.context.pointee.initial_padding))
        maxSamples = Int64((maxSeconds * Double(settings.sampleRate)).rounded())
        resampler = try Resampler(
            input: decoder.context,
            sampleRate: Int32(settings.sampleRate),
            channels: Int32(settings.channels),
            format: AV_SAMPLE_FMT_FLTP
        )
        shift = Int64((startOffset * Double(settings.sampleRate)).rounded())
        writer = try CMAFTrackWriter(
            directory: directory,
            id: "audio",
            encoder: encoder,
            codecs: CodecString.aacLC,
            startOffset: shift,
            announce: announce
        )
        frame = try Frame()
        packet = try Packet()
        segmentSamples = Int64((segmentSeconds * Double(settings.sampleRate)).rounded())
        // The first segment opens with the first packet (AAC priming puts it before 0).
        nextBoundary = segmentSamples
    }

    /// Decodes one demuxed packet of the audio stream (nil drains everything at the end).
    func decode(_ input: Packet?) throws(AVError) {
        if let input {
            guard try decoder.sendSkippingDamage(input) else { return }
        } else {
            try decoder.send(nil)
        }
        while try decoder.receive(into: frame) {
            try resampler.push(frame)
            frame.unref()
            try encodeQueued(flush: false)
        }
        if input == nil {
            try resampler.push(nil)
            try encodeQueued(flush: true)
            try encoder.send(nil)
            try writePackets()
        }
    }

    private func encodeQueued(flush: Bool) throws(AVError) {
        let frameSize = max(encoder.context.pointee.frame_size, 1024)
        if !primingDropped {
            guard resampler.buffered >= Int32(priming) else { return }
            try resampler.drop(Int32(priming))
            primingDropped = true
        }
        while resampler.buffered >= frameSize || (flush && resampler.buffered > 0) {
            let wanted = Int32(min(Int64(frameSize), maxSamples - samplesQueued))
            guard wanted > 0 else {
                try resampler.drop(resampler.buffered)
                return
            }
            let chunk = try resampler.pop(wanted)
            chunk.pts = samplesQueued
            samplesQueued += Int64(chunk.pointer.pointee.nb_samples)
            try encoder.send(chunk)
            try writePackets()
        }
    }

    private func writePackets() throws(AVError) {
        while try encoder.receive(into: packet) {
            packet.pointer.pointee.pts += priming
            packet.pointer.pointee.dts += priming
            // Segments cut at the first packet at or after each video segment boundary, except at the very end
            // (a sliver of encoder flush is not worth a segment).
            let starts = packet.pts >= nextBoundary && nextBoundary + segmentSamples / 4 < maxSamples
            packet.pointer.pointee.pts += shift
            packet.pointer.pointee.dts += shift
            if starts {
                while nextBoundary <= packet.pts { nextBoundary += segmentSamples }
            }
            try writer.write(packet, startsSegment: starts)
            packet.unref()
        }
    }

    func finish() throws(AVError) -> TrackIndex {
        try writer.finish()
    }
}
