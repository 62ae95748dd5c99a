internal import CFFmpeg
import IngestCore

/// Where the audio of an interrupted run continues: the first AAC packet of its first missing segment, and how
/// decoded samples found after a seek map onto the uninterrupted run's sample count.
struct AudioResume: Sendable, Equatable {
    /// Timestamp (output samples, before the presentation delay) of the first packet to write.
    var packetStart: Int64
    /// The first decoded audio frame's timestamp and the stream's time base: decoded sample n of the whole
    /// stream lies at `origin + n / sampleRate`.
    var origin: Int64
    var timeBase: (num: Int32, den: Int32)

    static func == (a: AudioResume, b: AudioResume) -> Bool {
        a.packetStart == b.packetStart && a.origin == b.origin && a.timeBase == b.timeBase
    }

    /// Frames of encoder input before `packetStart` that a fresh encoder is given and whose packets are dropped.
    /// AAC's overlapped transform needs the frame before a packet, and the encoder's psychoacoustic state a few
    /// more: with 2 frames the junction differed for 40 ms (a click), with 8 it decodes to the same samples as the
    /// uninterrupted run (48 kHz source).
    static let warmUpFrames: Int64 = 8
}

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
    private let cuts: SegmentCuts
    private let fps: Double
    private let sampleRate: Int
    /// The nominal segment length in samples (for the last-sliver rule).
    private let segmentSamples: Int64
    private var samplesQueued: Int64 = 0
    /// Index (from 1) of the next segment boundary.
    private var nextBoundary: Int
    /// Encoder priming (AAC: 1024 samples), dropped from the input and added to the timestamps so the first
    /// packet starts at 0 and sound stays in sync without relying on edit lists (CMAF timelines cannot be
    /// negative). Costs the first 21 ms of sound.
    private let priming: Int64
    private var primingDropped = false
    /// Audio beyond the video's end is dropped, so both tracks end together.
    private let maxSamples: Int64
    /// Resuming: what is left to set up at the first decoded frame, and packets before this are dropped.
    private var resume: AudioResume?
    private var dropBefore: Int64 = 0
    private var resampledToDrop: Int64 = 0
    private var decodedToSkip: Int64 = 0
    let streamIndex: Int

    init(
        stream: UnsafeMutablePointer<AVStream>,
        settings: AudioSettings,
        cuts: SegmentCuts,
        fps: Double,
        segmentSeconds: Double,
        maxSeconds: Double,
        delay: Double,
        directory: String,
        kept: KeptTrack?,
        resume: AudioResume?,
        completed: @escaping @Sendable (TrackFile) throws -> Void
    ) throws {
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
        sampleRate = settings.sampleRate
        self.cuts = cuts
        self.fps = fps
        writer = try CMAFTrackWriter(
            directory: directory,
            id: "audio",
            source: .encoder(encoder),
            timeBase: encoder.context.pointee.time_base,
            codecs: CodecString.aacLC,
            delay: Int64((delay * Double(settings.sampleRate)).rounded()),
            leadIn: 0,
            kept: kept,
            completed: completed
        )
        frame = try Frame()
        packet = try Packet()
        segmentSamples = Int64((segmentSeconds * Double(settings.sampleRate)).rounded())
        // The first segment opens with the first packet (AAC priming puts it before 0); a resumed track opens its
        // first missing segment with the first packet it writes.
        nextBoundary = (kept?.segments.count ?? 0) + 1
        self.resume = resume
    }

    /// Source time (seconds, the stream's own clock) of the first decoded sample this track needs: the stream's
    /// start for a fresh track, a little before the encoder's warm-up for a resumed one.
    var firstNeededTime: Double {
        guard let resume else { return -Double.infinity }
        let origin = Double(resume.origin) * Double(resume.timeBase.num) / Double(resume.timeBase.den)
        let frameSize = Int64(max(encoder.context.pointee.frame_size, 1024))
        // 64 resampled samples more than the encoder takes: the resampler's filter settles on them.
        let resampled = resume.packetStart - AudioResume.warmUpFrames * frameSize + priming - 64
        return origin + Double(resampled) / Double(sampleRate)
    }

    /// Decodes one demuxed packet of the audio stream (nil drains everything at the end).
    func decode(_ input: Packet?) throws {
        if let input {
            guard try decoder.sendSkippingDamage(input) else { return }
        } else {
            try decoder.send(nil)
        }
        while try decoder.receive(into: frame) {
            if let resume { try startResuming(resume, at: frame) }
            if let trimmed = try skipDecoded(frame) {
                try resampler.push(trimmed)
                try dropResampled()
                try encodeQueued(flush: false)
            }
            frame.unref()
        }
        if input == nil {
            try resampler.push(nil)
            try dropResampled()
            try encodeQueued(flush: true)
            try encoder.send(nil)
            try writePackets()
        }
    }

    /// At the first frame decoded after a seek: place it on the first run's sample count, and arrange for the
    /// encoder to be fed from `warmUpFrames` frames before the first packet to write.
    private func startResuming(_ resume: AudioResume, at frame: Frame) throws {
        self.resume = nil
        let frameSize = Int64(max(encoder.context.pointee.frame_size, 1024))
        let decodedRate = Int64(frame.pointer.pointee.sample_rate)
        guard frame.pts != LibAV.noTimestamp, decodedRate > 0 else {
            throw CheckpointMismatch("audio without timestamps cannot be resumed")
        }
        let tb = AVRational(num: resume.timeBase.num, den: resume.timeBase.den)
        let frameIndex = av_rescale_q(frame.pts - resume.origin, tb, AVRational(num: 1, den: Int32(decodedRate)))
        // Start the resampler where decoded and resampled samples line up exactly (44.1 → 48 kHz: every 147th
        // decoded sample is the 160th resampled one), so its output has the first run's phase, not half a sample
        // beside it.
        let period = decodedRate / gcd(decodedRate, Int64(sampleRate))
        decodedToSkip = (period - ((frameIndex % period) + period) % period) % period
        let decodedIndex = frameIndex + decodedToSkip
        let resampledIndex = decodedIndex * Int64(sampleRate) / decodedRate
        let firstInput = resume.packetStart - AudioResume.warmUpFrames * frameSize
        // Encoder input sample s is resampled sample s + priming (the first run dropped the priming samples).
        let wanted = firstInput + priming
        guard resampledIndex <= wanted else {
            throw CheckpointMismatch("audio after the seek starts too late to resume")
        }
        resampledToDrop = wanted - resampledIndex
        samplesQueued = firstInput
        primingDropped = true
        dropBefore = resume.packetStart
    }

    /// The part of `frame` left after skipping `decodedToSkip` samples (nil when all of it is skipped).
    private func skipDecoded(_ frame: Frame) throws(AVError) -> Frame? {
        guard decodedToSkip > 0 else { return frame }
        let samples = Int64(frame.pointer.pointee.nb_samples)
        guard decodedToSkip < samples else {
            decodedToSkip -= samples
            return nil
        }
        let trimmed = try frame.droppingLeadingSamples(Int32(decodedToSkip))
        decodedToSkip = 0
        return trimmed
    }

    private func dropResampled() throws(AVError) {
        guard resampledToDrop > 0 else { return }
        let count = min(resampledToDrop, Int64(resampler.buffered))
        try resampler.drop(Int32(count))
        resampledToDrop -= count
    }

    private func encodeQueued(flush: Bool) throws {
        guard resampledToDrop == 0 else { return }
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

    private func writePackets() throws {
        while try encoder.receive(into: packet) {
            defer { packet.unref() }
            packet.pointer.pointee.pts += priming
            packet.pointer.pointee.dts += priming
            // A resumed encoder's warm-up packets are already in the kept segments.
            guard packet.pts >= dropBefore else { continue }
            // Segments cut at the first packet at or after each video segment boundary, except at the very end
            // (a sliver of encoder flush is not worth a segment).
            let boundary = cuts.audioBoundary(nextBoundary, sampleRate: sampleRate, fps: fps)
            let starts = packet.pts >= boundary && boundary < maxSamples - segmentSamples / 4
            if starts {
                while cuts.audioBoundary(nextBoundary, sampleRate: sampleRate, fps: fps) <= packet.pts {
                    nextBoundary += 1
                }
            }
            try writer.write(packet, startsSegment: starts)
        }
    }

    func finish() throws -> TrackIndex {
        try writer.finish()
    }
}

private func gcd(_ a: Int64, _ b: Int64) -> Int64 {
    b == 0 ? max(a, 1) : gcd(b, a % b)
}
