internal import CFFmpeg
import Foundation
import IngestCore

/// One transcode in progress: owns the input, the decoder, the rung threads, the passthrough and audio tracks and
/// thumbnails, and continues from the checkpoint an interrupted run left in the output directory.
final class TranscodeJob {
    private let request: TranscodeRequest
    private let report: ProbeReport
    private let progress: (TranscodeProgress) -> Void
    private let input: FormatInput
    private let plan: LadderPlan
    private let passthrough: (decision: PassthroughDecision, source: PassthroughSource?)
    private let videoIndex: Int
    private let videoDuration: Double
    private let allowResume: Bool
    private let recorder: OutputRecorder
    private let started = Date()
    private var lastReport = Date.distantPast
    private var converter: FrameRateConverter
    private var rungs: [RungEncoder] = []
    private var sourceTrack: PassthroughTrack?
    private var audio: AudioTrack?
    private var audioFinished = false
    /// Resuming: where the first run's frame and sample counts start.
    private var origins: StreamOrigins?
    private var thumbnails: ThumbnailTaker?

    /// `allowResume` false: any checkpoint in the output directory is ignored and replaced.
    init(
        request: TranscodeRequest,
        report: ProbeReport,
        allowResume: Bool,
        progress: @escaping (TranscodeProgress) -> Void
    ) throws {
        self.request = request
        self.report = report
        self.progress = progress
        self.allowResume = allowResume
        recorder = OutputRecorder(announce: request.fileWritten)
        input = try FormatInput(path: request.input)
        videoIndex = report.videoStream
        guard let stream = input.stream(videoIndex) else { throw TranscodeFailure("no video stream") }
        let video = report.streams[videoIndex]
        let nominal = stream.pointee.r_frame_rate
        let average = stream.pointee.avg_frame_rate
        // Variable-rate sources are resampled to their nominal rate (the profile caps it); the average only
        // stands in when the container gives no nominal rate.
        let rate = nominal.num > 0 && nominal.den > 0 ? nominal : average
        passthrough = PassthroughPlanner.plan(path: request.input, report: report, profile: request.profile)
        plan = LadderPlan(
            profile: request.profile,
            displayWidth: report.displayWidth,
            displayHeight: report.displayHeight,
            sourceFrameRate: rate.num > 0 && rate.den > 0 ? (rate.num, rate.den) : nil,
            rotation: video.rotation ?? 0,
            cores: request.cores,
            passthrough: passthrough.source
        )
        videoDuration = video.duration ?? report.duration
        converter = FrameRateConverter(fps: plan.fps)
        lastDuration = 1 / plan.fps
    }

    func run() throws -> VideoManifest {
        try FileManager.default.createDirectory(atPath: request.outputDirectory, withIntermediateDirectories: true)
        request.log(passthrough.decision.summary)
        guard let videoStream = input.stream(videoIndex) else { throw TranscodeFailure("no video stream") }
        let parameters = videoStream.pointee.codecpar.pointee
        let frameBytes = av_image_get_buffer_size(
            AVPixelFormat(rawValue: parameters.format),
            parameters.width,
            parameters.height,
            1
        )
        let capacity = LadderPlan.queueCapacity(frameBytes: Int(frameBytes))
        for rung in plan.encodedRungs {
            rungs.append(
                try RungEncoder(rung: rung, plan: plan, queueCapacity: capacity, directory: request.outputDirectory)
            )
        }
        // Every video track is shown `delay` frames into its timeline: enough for the B-frame reordering of every
        // encoder and of the source, so no decode timestamp is negative. Audio is delayed as much.
        let delay = max(rungs.map(\.reorderDelay).max() ?? 0, passthrough.source?.decodeDelay ?? 0)
        let header = CheckpointRecord.Header(
            version: CheckpointRecord.version,
            input: try InputIdentity.of(request.input),
            profile: ProfileFingerprint.of(request.profile),
            layout: layout(delay: delay)
        )
        let resume = try loadCheckpoint(header)
        self.origins = resume?.origins
        try openTracks(delay: delay, kept: resume?.kept)
        var skipDecoding = false
        if let resume {
            skipDecoding = try seekForResume(resume)
            recorder.use(try Checkpoint.reopen(directory: request.outputDirectory))
            request.log(
                "resuming: \(resume.kept.segmentCount) segments and \(resume.kept.thumbnails.count) thumbnails kept"
            )
            recorder.kept(resume.kept.files)
        }
        rungs.forEach { $0.launch() }
        do {
            if !skipDecoding { try decodeAll(videoStream, origin: resume?.origins.video) }
        } catch {
            rungs.forEach { $0.queue.close() }
            for rung in rungs { _ = try? rung.wait() }
            throw error
        }
        rungs.forEach { $0.queue.finish() }
        var encodedTracks: [TrackIndex] = []
        for rung in rungs { encodedTracks.append(try rung.wait()) }
        let videoTracks = (try sourceTrack.map { [try $0.finish()] } ?? []) + encodedTracks
        let audioTrack = try audio?.finish()
        announce(stage: "packaging", percent: 95)
        let packager = Packager(
            directory: request.outputDirectory,
            plan: plan,
            videoTracks: videoTracks,
            audioTrack: audioTrack,
            audioSettings: request.profile.audio,
            announce: recorder.manifest
        )
        try packager.writeManifests()
        announce(stage: "mp4", percent: 97)
        let mp4 = try packager.writeProgressiveMP4()
        let manifest = try packager.videoManifest(
            source: report,
            mp4: mp4,
            thumbnails: thumbnails?.written ?? [],
            passthrough: passthrough.decision
        )
        announce(stage: "done", percent: 100)
        return manifest
    }

    /// What a checkpoint must agree with besides input and profile: the rungs, the frame rate, the delay and
    /// where segments are cut.
    private func layout(delay: Int) -> String {
        let rungText = plan.rungs.map { $0.passthrough ? $0.id + "=source" : $0.id }.joined(separator: ",")
        let cutText: String
        switch plan.cuts.kind {
        case .every(let gop): cutText = "every \(gop)"
        case .at(let frames): cutText = "at \(frames.count) IDRs " + ProfileFingerprint.hash(frames.map(String.init))
        }
        return "\(rungText); \(plan.frameRate.num)/\(plan.frameRate.den) fps; delay \(delay); cuts \(cutText)"
    }

    // MARK: resuming

    private struct Resume {
        var kept: Checkpoint.Kept
        var origins: StreamOrigins
    }

    /// A usable checkpoint, or nil after starting a new one (and saying why an old one was dropped).
    private func loadCheckpoint(_ header: CheckpointRecord.Header) throws -> Resume? {
        if allowResume {
            switch Checkpoint.load(directory: request.outputDirectory, header: header) {
            case .kept(let kept):
                let origins = try StreamOrigins.measure(
                    path: request.input,
                    video: videoIndex,
                    audio: report.audioStream
                )
                return Resume(kept: kept, origins: origins)
            case .unusable(let reason):
                request.log("checkpoint discarded, starting over: \(reason)")
            case .none:
                break
            }
        }
        recorder.use(try Checkpoint.create(directory: request.outputDirectory, header: header))
        return nil
    }

    /// The passthrough track, the rungs' writers, the audio track and the thumbnails, each continuing from what
    /// `kept` holds for it (a kept init segment must equal what this run would write).
    private func openTracks(delay: Int, kept: Checkpoint.Kept?) throws {
        let completed: @Sendable (TrackFile) throws -> Void = { [recorder] in try recorder.completed($0) }
        let directory = request.outputDirectory
        if let source = passthrough.source, let rung = plan.rungs.first(where: \.passthrough),
            let parameters = input.stream(source.streamIndex)?.pointee.codecpar
        {
            let id = rung.id
            sourceTrack = try PassthroughTrack(
                source: source,
                parameters: parameters,
                id: id,
                delay: delay,
                directory: directory,
                kept: kept?.tracks[id],
                finished: kept?.finished.contains(id) ?? false,
                completed: completed
            )
        }
        for rung in rungs {
            let id = rung.rung.id
            try rung.prepare(
                delay: delay,
                kept: kept?.tracks[id],
                finished: kept?.finished.contains(id) ?? false,
                completed: completed
            )
        }
        if let audioIndex = report.audioStream, let stream = input.stream(audioIndex) {
            let keptAudio = kept?.tracks["audio"]
            audioFinished = kept?.finished.contains("audio") ?? false
            audio = try AudioTrack(
                stream: stream,
                settings: request.profile.audio,
                cuts: plan.cuts,
                fps: plan.fps,
                segmentSeconds: plan.segmentSeconds,
                maxSeconds: videoDuration,
                delay: Double(delay) / plan.fps,
                directory: directory,
                kept: keptAudio,
                resume: try audioResume(keptAudio, delay: delay, stream: stream),
                completed: completed
            )
        }
        thumbnails = ThumbnailTaker(
            plan: ThumbnailPlan(
                settings: request.profile.thumbnails,
                duration: videoDuration,
                frameDuration: 1 / plan.fps,
                displayWidth: report.displayWidth,
                displayHeight: report.displayHeight
            ),
            rotation: plan.rotation,
            directory: directory,
            kept: kept?.thumbnails ?? [],
            completed: { [recorder] in try recorder.thumbnails($0) }
        )
    }

    /// Where the audio continues: after its last kept segment (none kept: from the start, as a fresh track).
    private func audioResume(_ kept: KeptTrack?, delay: Int, stream: UnsafeMutablePointer<AVStream>) throws
        -> AudioResume?
    {
        guard let last = kept?.segments.last else { return nil }
        let rate = request.profile.audio.sampleRate
        let offset = Int64((Double(delay) / plan.fps * Double(rate)).rounded())
        guard let origin = origins?.audio else { throw CheckpointMismatch("no audio origin") }
        let tb = stream.pointee.time_base
        return AudioResume(
            packetStart: audioFinished ? Int64.max : last.start + last.duration - offset,
            origin: origin,
            timeBase: (tb.num, tb.den)
        )
    }

    /// Moves the input to a keyframe early enough for every track's first missing frame and sample, after checking
    /// (by reading a few packets) that the demuxer lands there. True when every track is complete and nothing
    /// needs decoding.
    private func seekForResume(_ resume: Resume) throws -> Bool {
        let videoStarts = rungs.map(\.encodeFrom) + (sourceTrack.map { [$0.startSlot] } ?? [])
        let firstSlot = videoStarts.min() ?? Int.max
        let audioNeeded = audioFinished ? nil : audio?.firstNeededTime
        let pendingThumbnails = thumbnails?.hasPending ?? false
        if firstSlot == Int.max, audioNeeded == nil, !pendingThumbnails { return true }
        guard let stream = input.stream(videoIndex) else { throw TranscodeFailure("no video stream") }
        let tb = av_q2d(stream.pointee.time_base)
        let videoOrigin = Double(resume.origins.video) * tb
        let videoNeeded = firstSlot == Int.max ? Double.infinity : Double(firstSlot) / plan.fps
        // One second of margin: the keyframe before it, the B-frames around it and the audio frames the encoder
        // warms up on all lie after the seek point.
        let target = min(videoNeeded, (audioNeeded ?? .infinity) - videoOrigin) - 1
        guard target > 0, !pendingThumbnails || (thumbnails?.firstPending ?? 0) > target else { return false }
        let timestamp = resume.origins.video + Int64(target / tb)
        do {
            try input.seek(stream: videoIndex, to: timestamp)
            let landing = try peekAfterSeek()
            guard let video = landing.video, Double(video) * tb - videoOrigin <= videoNeeded - 1 / plan.fps else {
                throw CheckpointMismatch("the source's keyframes do not allow a seek before \(videoNeeded) s")
            }
            if let audioNeeded, let audioIndex = report.audioStream, let audioStream = input.stream(audioIndex) {
                guard let first = landing.audio, Double(first) * av_q2d(audioStream.pointee.time_base) <= audioNeeded
                else { throw CheckpointMismatch("the audio after a seek starts too late") }
            }
            try input.seek(stream: videoIndex, to: timestamp)
        } catch let error as AVError {
            throw CheckpointMismatch("the source cannot be sought: \(error)")
        }
        return false
    }

    /// The timestamps of the first video keyframe and the first audio packet read after a seek.
    private func peekAfterSeek() throws(AVError) -> (video: Int64?, audio: Int64?) {
        let packet = try Packet()
        var video: Int64?
        var audioTime: Int64?
        var read = 0
        while read < 10_000, video == nil || (report.audioStream != nil && audioTime == nil),
            try input.read(into: packet)
        {
            defer { packet.unref() }
            read += 1
            if packet.streamIndex == videoIndex, video == nil {
                guard packet.isKeyframe else { return (nil, audioTime) }
                video = packet.pts
            } else if packet.streamIndex == report.audioStream, audioTime == nil {
                audioTime = packet.pts
            }
        }
        return (video, audioTime)
    }

    // MARK: decoding

    /// The demux/decode loop: video packets to the passthrough track and the decoder, decoded frames through the
    /// frame-rate converter to every rung, audio packets to the audio track. `origin`: resuming after a seek, the
    /// first run's first frame timestamp.
    private func decodeAll(_ stream: UnsafeMutablePointer<AVStream>, origin: Int64?) throws {
        // One decoding thread: frame threads would hold extra full-size pictures, and the encoders are the bottleneck.
        let decoder = try Decoder(stream: stream, threads: 1)
        let timeBase = av_q2d(stream.pointee.time_base)
        if let origin {
            firstTime = Double(origin) * timeBase
            resuming = true
        }
        let packet = try Packet()
        while try input.read(into: packet) {
            defer { packet.unref() }
            if packet.streamIndex == videoIndex {
                try sourceTrack?.write(packet)
                // A damaged packet is skipped: the converter repeats the previous picture.
                guard try decoder.sendSkippingDamage(packet) else { continue }
                try drain(decoder, timeBase: timeBase)
            } else if let audio, !audioFinished, packet.streamIndex == audio.streamIndex {
                try audio.decode(packet)
            }
        }
        try decoder.send(nil)
        try drain(decoder, timeBase: timeBase)
        if let previous {
            for _ in 0..<converter.slotsUntil(end: lastTime + lastDuration) { try emit(previous) }
        }
        if !audioFinished { try audio?.decode(nil) }
    }

    // Decode-loop state: the picture on screen, and the source timing seen so far.
    private var previous: Frame? = nil
    private var firstTime: Double? = nil
    private var lastTime = 0.0
    private var lastDuration = 0.04
    /// After a seek: the first decoded frame places the converter on the first run's slots.
    private var resuming = false

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
        if resuming {
            // Slots before this frame showed earlier pictures, all in kept segments.
            resuming = false
            emitted = converter.slotsBefore(time: time - start)
        } else if let previous {
            for _ in 0..<converter.slotsBefore(time: time - start) { try emit(previous) }
        }
        previous = frame
    }

    private var emitted = 0

    private func emit(_ frame: Frame) throws {
        let slot = emitted
        try thumbnails?.offer(frame, at: Double(slot) / plan.fps, slotLength: 1 / plan.fps)
        for rung in rungs where slot >= rung.encodeFrom && !rung.queue.push(SlotFrame(frame: frame, slot: slot)) {
            // The rung's thread failed and closed its queue; its error is the one to report.
            _ = try rung.wait()
            throw TranscodeFailure("encoder \(rung.rung.id) stopped")
        }
        emitted += 1
        // Twice a second, and at every segment start (a fast transcode still reports its progress in steps).
        if Date().timeIntervalSince(lastReport) >= 0.5 || plan.cuts.isCut(slot) {
            let done = min(rungs.map(\.framesEncoded).min() ?? emitted, emitted)
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
