internal import CFFmpeg
import Foundation
import IngestCore

/// What to transcode and how.
public struct TranscodeRequest: Sendable {
    public var input: String
    public var outputDirectory: String
    public var profile: Profile
    public var limits: ProbeLimits
    /// Cores to keep busy; encoder threads are shared out by rung size.
    public var cores: Int
    /// Called with each output file's path (relative to `outputDirectory`) as soon as it is complete and will not
    /// change again: init and media segments as the encoders close them, thumbnails, then manifests, the MP4 and
    /// video.json. Called from encoder threads too, so it must be thread-safe.
    public var fileWritten: @Sendable (String) -> Void
    /// Told what a person watching would want to know: the passthrough decision, a checkpoint kept or discarded.
    public var log: @Sendable (String) -> Void = { _ in }

    public init(
        input: String,
        outputDirectory: String,
        profile: Profile,
        limits: ProbeLimits,
        cores: Int,
        fileWritten: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.fileWritten = fileWritten
        self.input = input
        self.outputDirectory = outputDirectory
        self.profile = profile
        self.limits = limits
        self.cores = max(1, cores)
    }
}

/// Decode once, encode each rendition once (none for a compliant source's top rung), package once for HLS and DASH,
/// remux the MP4, thumbnails from the frames already decoded; run again on the same output directory after an
/// interruption, continue where it stopped. Blocking: call it from a dedicated thread (the worker's main thread).
public enum Transcoder {
    public static func run(
        _ request: TranscodeRequest,
        progress: @escaping (TranscodeProgress) -> Void
    ) throws(TranscodeFailure) -> VideoManifest {
        progress(TranscodeProgress(stage: "probing", percent: 0, fps: 0, speed: 0, etaSeconds: nil))
        let report: ProbeReport
        do {
            report = try MediaProbe.probe(path: request.input, limits: request.limits)
        } catch {
            throw TranscodeFailure(error.description)
        }
        do {
            do {
                return try TranscodeJob(request: request, report: report, allowResume: true, progress: progress).run()
            } catch let mismatch as CheckpointMismatch {
                // Found before anything was written or announced: start over with a new checkpoint.
                request.log("checkpoint discarded, starting over: \(mismatch)")
                return try TranscodeJob(request: request, report: report, allowResume: false, progress: progress).run()
            }
        } catch let failure as TranscodeFailure {
            throw failure
        } catch {
            throw TranscodeFailure(error, context: "transcode failed: ")
        }
    }
}
