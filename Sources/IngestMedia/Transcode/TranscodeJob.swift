internal import CFFmpeg
import Foundation
import IngestCore

/// One transcode in progress: owns the input, the decoder, the rung threads, the passthrough and audio tracks and
/// thumbnails, and continues from the checkpoint an interrupted run left in the output directory.
final class TranscodeJob {
    let request: TranscodeRequest
    let report: ProbeReport
    let progress: (TranscodeProgress) -> Void
    let input: FormatInput
    let plan: LadderPlan
    let passthrough: (decision: PassthroughDecision, source: PassthroughSource?)
    let videoIndex: Int
    let videoDuration: Double
    let allowResume: Bool
    let recorder: OutputRecorder
    private let started = Date()
    var lastReport = Date.distantPast
    var converter: FrameRateConverter
    var rungs: [RungEncoder] = []
    var sourceTrack: PassthroughTrack?
    var audio: AudioTrack?
    var audioFinished = false
    /// Resuming: where the first run's frame and sample counts start.
    var origins: StreamOrigins?
    var thumbnails: ThumbnailTaker?

    // Decode-loop state: the picture on screen, and the source timing seen so far.
    var previous: Frame? = nil
    var firstTime: Double? = nil
    var lastTime = 0.0
    var lastDuration = 0.04
    /// After a seek: the first decoded frame places the converter on the first run's slots.
    var resuming = false
    /// Output frames handed to the rungs so far (the next frame's slot).
    var emitted = 0

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
        input = try FormatInput(path: request.input, formats: report.sourceDemuxers)
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
        // A resumed run appends to the checkpoint from the start: a track that had not even its init segment
        // recorded writes one now, and it must be recorded before it is announced like any other file.
        if resume != nil { recorder.use(try Checkpoint.reopen(directory: request.outputDirectory)) }
        try openTracks(delay: delay, kept: resume?.kept)
        var skipDecoding = false
        if let resume {
            skipDecoding = try seekForResume(resume)
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

    func announce(stage: String, percent: Double, encodedFrames: Int? = nil) {
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
