internal import CFFmpeg
import Foundation
import IngestCore

/// Continuing from a checkpoint: what is kept, where each track starts again, where the input is sought to.
extension TranscodeJob {
    struct Resume {
        var kept: Checkpoint.Kept
        var origins: StreamOrigins
    }

    /// A usable checkpoint, or nil after starting a new one (and saying why an old one was dropped).
    func loadCheckpoint(_ header: CheckpointRecord.Header) throws -> Resume? {
        if allowResume {
            switch Checkpoint.load(directory: request.outputDirectory, header: header) {
            case .kept(let kept):
                let origins = try StreamOrigins.measure(
                    path: request.input,
                    formats: report.sourceDemuxers,
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
    func openTracks(delay: Int, kept: Checkpoint.Kept?) throws {
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
    func audioResume(_ kept: KeptTrack?, delay: Int, stream: UnsafeMutablePointer<AVStream>) throws
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
    func seekForResume(_ resume: Resume) throws -> Bool {
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
    func peekAfterSeek() throws(AVError) -> (video: Int64?, audio: Int64?) {
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
}
