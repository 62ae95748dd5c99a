internal import CFFmpeg
import Foundation
import IngestCore

/// One transcode in progress: owns the input, the decoder, the rung threads, the audio track and thumbnails.
final class TranscodeJob {
    private let request: TranscodeRequest
    private let report: ProbeReport
    private let progress: (TranscodeProgress) -> Void
    private let input: FormatInput
    private let plan: LadderPlan
    private let videoIndex: Int
    private let videoDuration: Double
    private let started = Date()
    private var lastReport = Date.distantPast
    private var converter: FrameRateConverter
    private var rungs: [RungEncoder] = []
    private var audio: AudioTrack?
    private var thumbnails: ThumbnailTaker

    init(request: TranscodeRequest, report: ProbeReport, progress: @escaping (TranscodeProgress) -> Void) throws {
        self.request = request
        self.report = report
        self.progress = progress
        input = try FormatInput(path: request.input)
        videoIndex = report.videoStream
        guard let stream = input.stream(videoIndex) else { throw TranscodeFailure("no video stream") }
        let video = report.streams[videoIndex]
        let nominal = stream.pointee.r_frame_rate
        let average = stream.pointee.avg_frame_rate
        // Variable-rate sources are resampled to their nominal rate (the profile caps it); the average only
        // stands in when the container gives no nominal rate.
        let rate = nominal.num > 0 && nominal.den > 0 ? nominal : average
        plan = LadderPlan(
            profile: request.profile,
            displayWidth: report.displayWidth,
            displayHeight: report.displayHeight,
            sourceFrameRate: rate.num > 0 && rate.den > 0 ? (rate.num, rate.den) : nil,
            rotation: video.rotation ?? 0,
            cores: request.cores
        )
        videoDuration = video.duration ?? report.duration
        converter = FrameRateConverter(fps: plan.fps)
        lastDuration = 1 / plan.fps
        thumbnails = ThumbnailTaker(
            plan: ThumbnailPlan(
                settings: request.profile.thumbnails,
                duration: videoDuration,
                frameDuration: 1 / plan.fps,
                displayWidth: report.displayWidth,
                displayHeight: report.displayHeight
            ),
            rotation: plan.rotation,
            directory: request.outputDirectory,
            announce: request.fileWritten
        )
    }

    func run() throws -> VideoManifest {
        try FileManager.default.createDirectory(atPath: request.outputDirectory, withIntermediateDirectories: true)
        guard let videoStream = input.stream(videoIndex) else { throw TranscodeFailure("no video stream") }
        let parameters = videoStream.pointee.codecpar.pointee
        let frameBytes = av_image_get_buffer_size(
            AVPixelFormat(rawValue: parameters.format),
            parameters.width,
            parameters.height,
            1
        )
        let capacity = LadderPlan.queueCapacity(frameBytes: Int(frameBytes))
        for rung in plan.rungs {
            rungs.append(
                try RungEncoder(
                    rung: rung,
                    plan: plan,
                    queueCapacity: capacity,
                    directory: request.outputDirectory,
                    announce: request.fileWritten
                )
            )
        }
        // The fMP4 muxer starts each video track's timeline where its first frame is shown, which B-frame
        // reordering puts `reorderDelay` frames in; audio is delayed by as much so both start together.
        let delay = rungs.map(\.reorderDelay).max() ?? 0
        for rung in rungs { try rung.start(startDelay: delay) }
        if let audioIndex = report.audioStream, let stream = input.stream(audioIndex) {
            audio = try AudioTrack(
                stream: stream,
                settings: request.profile.audio,
                segmentSeconds: plan.segmentSeconds,
                maxSeconds: videoDuration,
                startOffset: Double(delay) / plan.fps,
                directory: request.outputDirectory,
                announce: request.fileWritten
            )
        }
        do {
            try decodeAll(videoStream)
        } catch {
            rungs.forEach { $0.queue.close() }
            for rung in rungs { _ = try? rung.wait() }
            throw error
        }
        rungs.forEach { $0.queue.finish() }
        var videoTracks: [TrackIndex] = []
        for rung in rungs { videoTracks.append(try rung.wait()) }
        let audioTrack = try audio?.finish()
        announce(stage: "packaging", percent: 95)
        let packager = Packager(
            directory: request.outputDirectory,
            plan: plan,
            videoTracks: videoTracks,
            audioTrack: audioTrack,
            audioSettings: request.profile.audio,
            announce: request.fileWritten
        )
        try packager.writeManifests()
        announce(stage: "mp4", percent: 97)
        let mp4 = try packager.writeProgressiveMP4()
        let manifest = try packager.videoManifest(source: report, mp4: mp4, thumbnails: thumbnails.written)
        announce(stage: "done", percent: 100)
        return manifest
    }

    /// The demux/decode loop: video frames go through the frame-rate converter to every rung, audio packets to
    /// the audio track.
    private func decodeAll(_ stream: UnsafeMutablePointer<AVStream>) throws {
        // One decoding thread: frame threads would hold extra full-size pictures, and the encoders are the bottleneck.
        let decoder = try Decoder(stream: stream, threads: 1)
        let timeBase = av_q2d(stream.pointee.time_base)
        let packet = try Packet()
        while try input.read(into: packet) {
            defer { packet.unref() }
            if packet.streamIndex == videoIndex {
                // A damaged packet is skipped: the converter repeats the previous picture.
                guard try decoder.sendSkippingDamage(packet) else { continue }
                try drain(decoder, timeBase: timeBase)
            } else if let audio, packet.streamIndex == audio.streamIndex {
                try audio.decode(packet)
            }
        }
        try decoder.send(nil)
        try drain(decoder, timeBase: timeBase)
        if let previous {
            for _ in 0..<converter.slotsUntil(end: lastTime + lastDuration) { try emit(previous) }
        }
        try audio?.decode(nil)
    }

    // Decode-loop state: the picture on screen, and the source timing seen so far.
    private var previous: Frame? = nil
    private var firstTime: Double? = nil
    private var lastTime = 0.0
    private var lastDuration = 0.04

    private func drain(_ decoder: Decoder, timeBase: Double) throws {
        var frame = try Frame()
        while try decoder.receive(into: frame) {
            try take(frame, timeBase: timeBase)
            frame = try Frame()
        }
    }

    /// A decoded picture: the one before it fills every output slot up to this one's time.
    private func take(_ frame: Frame, timeBase: Double) throws {
        let stamp = frame.bestEffortTimestamp
        let time = stamp == LibAV.noTimestamp ? (firstTime ?? 0) + lastTime + lastDuration : Double(stamp) * timeBase
        let start = firstTime ?? time
        firstTime = start
        let duration = Double(frame.pointer.pointee.pkt_duration) * timeBase
        if duration > 0 { lastDuration = duration }
        lastTime = max(lastTime, time - start)
        if let previous {
            for _ in 0..<converter.slotsBefore(time: time - start) { try emit(previous) }
        }
        previous = frame
    }

    private var emitted = 0

    private func emit(_ frame: Frame) throws {
        let time = Double(emitted) / plan.fps
        try thumbnails.offer(frame, at: time, slotLength: 1 / plan.fps)
        for rung in rungs where !rung.queue.push(frame) {
            // The rung's thread failed and closed its queue; its error is the one to report.
            _ = try rung.wait()
            throw TranscodeFailure("encoder \(rung.rung.id) stopped")
        }
        emitted += 1
        if Date().timeIntervalSince(lastReport) >= 0.5 {
            let done = rungs.map(\.framesEncoded).min() ?? emitted
            let expected = max(1.0, videoDuration * plan.fps)
            announce(stage: "transcoding", percent: min(95, Double(done) / expected * 95), encodedFrames: done)
        }
    }

    private func announce(stage: String, percent: Double, encodedFrames: Int? = nil) {
        let now = Date()
        lastReport = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let frames = Double(encodedFrames ?? Int(videoDuration * plan.fps))
        let fps = frames / elapsed
        let speed = frames / plan.fps / elapsed
        let remaining = max(0, videoDuration * plan.fps - frames)
        let eta = stage == "done" ? 0 : (fps > 0 ? remaining / fps : nil)
        progress(TranscodeProgress(stage: stage, percent: percent, fps: fps, speed: speed, etaSeconds: eta))
    }
}
