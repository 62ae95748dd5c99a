import Foundation
import IngestCore
import IngestStore
import Metrics

/// The transcode's result in the scratch folder.
struct TranscodeOutput: Sendable {
    /// The worker's manifest: every output file with its size and SHA-256, paths relative to `folder`.
    var manifest: VideoManifest
    var folder: String
    var uploads: PublicationUploads
}

extension JobRunner {
    /// probing → transcoding: `reel-ingest-media transcode` in its own process group with resource limits and a
    /// wall-clock limit scaled to the source; segments and init segments go to the upload lane the moment the worker
    /// says they are complete. A transcode an earlier run finished (its video.json is there) is not redone.
    func transcode(_ probed: ProbedSource) async throws -> TranscodeOutput {
        try checkStopped()
        try await transition(.transcodeStarted)
        let folder = context.scratch.output(job: id)
        let uploads = PublicationUploads(lane: context.lane, jobId: id, priority: job.priority, control: control)
        self.uploads.withLock { $0 = uploads }
        let (videoId, revision) = (probed.videoId, probed.revision)
        let key: @Sendable (String) -> String = { VideoLayout.key(videoId, revision, $0) }
        if let finished = Self.finishedTranscode(in: folder) {
            logger.info("transcode already finished in an earlier run; publishing it")
            return TranscodeOutput(manifest: finished, folder: folder, uploads: uploads)
        }
        let started = Date()
        var worker = TranscodeWorker(executable: context.mediaWorker, timeout: timeout(for: probed.report.duration))
        worker.killGrace = config.agent.shutdownTimeout / 2
        worker.environment = [WorkerLimits.environmentKey: limits(for: worker.timeout).environmentValue]
        let arguments = TranscodeWorker.transcodeArguments(
            input: sourcePath,
            output: folder,
            profile: job.profile,
            config: context.configFile
        )
        let (progress, progressSink) = AsyncStream<TranscodeProgress>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var failure: WorkerFailure?
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.recordProgress(progress) }
            do throws(WorkerFailure) {
                try await worker.run(
                    arguments: arguments,
                    control: control,
                    started: { pid in
                        logger.info(
                            "worker started",
                            metadata: [
                                "pid": "\(pid)", "timeout": "\(worker.timeout)",
                                "limits": "\(limits(for: worker.timeout).environmentValue)",
                            ]
                        )
                    }
                ) { message in
                    switch message {
                    case .progress(let report):
                        progressSink.yield(report)
                    case .log(let line):
                        self.logger.log(level: line.level == "warning" ? .warning : .info, "worker: \(line.message)")
                    case .file(let file):
                        // Manifests wait until everything they name is stored; video.json is the publisher's.
                        // The progressive MP4 is written last, when the link is busy with the last segments:
                        // the publisher sends it once the video is playable.
                        let kind = ObjectKind(key: file.path)
                        let early = kind == .segment || (kind == .asset && !file.path.hasSuffix(".mp4"))
                        if early && file.path != "video.json" {
                            uploads.start(file: folder + "/" + file.path, key: key(file.path))
                        }
                        KillPoint.midTranscode.reached()
                    }
                }
            } catch {
                failure = error
            }
            progressSink.finish()
        }
        try checkStopped()
        if let failure { throw Self.outcome(failure, scratch: context.scratch) }
        guard let manifest = Self.finishedTranscode(in: folder) else {
            throw StageFailure("the worker finished without writing video.json", kind: .worker)
        }
        let seconds = Date().timeIntervalSince(started)
        Timer(label: "reel_ingest_stage_seconds", dimensions: [("stage", "transcoding"), ("format", "all")])
            .recordSeconds(seconds)
        await measure("stage_seconds", seconds, format: "transcoding")
        for rendition in manifest.renditions {
            await measure("bytes", Double(rendition.files.reduce(0) { $0 + $1.bytes }), format: rendition.id)
        }
        await measure("bytes", Double(manifest.mp4.file.bytes), format: "mp4")
        logger.info(
            "transcoded",
            metadata: ["seconds": "\(Int(seconds))", "renditions": "\(manifest.renditions.count)"]
        )
        return TranscodeOutput(manifest: manifest, folder: folder, uploads: uploads)
    }

    /// 10 minutes plus 10 × the source's duration, never more than `agent.job_timeout`.
    func timeout(for duration: Double) -> Duration {
        let scaled = Duration.seconds(600) + .milliseconds(Int64(max(duration, 0) * 10_000))
        return min(scaled, config.agent.jobTimeout)
    }

    /// Address space, CPU time (the wall-clock limit on every core) and nice level of the worker.
    func limits(for timeout: Duration) -> WorkerLimits {
        let cores = Int64(ProcessInfo.processInfo.activeProcessorCount)
        return WorkerLimits(
            addressSpace: config.agent.workerMemoryLimit,
            cpuSeconds: max(60, timeout.components.seconds * cores),
            nice: config.agent.workerNice
        )
    }

    /// Percent and ETA into the database at most about once a second.
    private func recordProgress(_ reports: AsyncStream<TranscodeProgress>) async {
        var last = Date.distantPast
        for await report in reports where Date().timeIntervalSince(last) >= 1 {
            last = Date()
            try? await database.setProgress(
                job: id,
                percent: report.percent,
                etaSeconds: report.etaSeconds,
                claim: claim
            )
        }
    }

    /// The worker's manifest when the transcode in `folder` is complete: video.json is written last, after every
    /// file it names, so its presence with every file at its size means the outputs are whole.
    static func finishedTranscode(in folder: String) -> VideoManifest? {
        guard let data = FileManager.default.contents(atPath: folder + "/video.json") else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let manifest = try? decoder.decode(VideoManifest.self, from: data) else { return nil }
        for file in manifest.allFiles {
            let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + file.path)[.size]) as? Int64
            guard size == file.bytes else { return nil }
        }
        return manifest
    }

    /// The worker's failure as the job's reason; a full scratch disk is `NoRoom` (the job waits for room).
    static func outcome(_ failure: WorkerFailure, scratch: ScratchSpace) -> any Error {
        if case .outOfSpace = failure {
            return NoRoom(needed: nil, free: scratch.freeBytes(), root: scratch.root, during: failure.description)
        }
        return StageFailure(failure.description, kind: failure.kind)
    }
}
