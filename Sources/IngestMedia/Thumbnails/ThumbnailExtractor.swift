internal import CFFmpeg
import Foundation
import IngestCore

/// Thumbnails without a transcode: for each position, seek to the keyframe at or before it and decode forward
/// to the frame shown at that time, so the cost depends on the GOP length, not on the file's length.
public enum ThumbnailExtractor {
    public struct Result: Sendable {
        /// Paths relative to the output directory, with position label and size.
        public var files: [(label: String, path: String, width: Int, height: Int)]
        /// Pictures decoded in all (the cost: about one GOP per position).
        public var decodedFrames: Int
    }

    public static func extract(
        path: String,
        settings: ThumbnailSettings,
        limits: ProbeLimits,
        outputDirectory: String
    ) throws -> Result {
        let report: ProbeReport
        do {
            report = try MediaProbe.probe(path: path, limits: limits)
        } catch {
            throw TranscodeFailure(error.description)
        }
        let input = try FormatInput(path: path, formats: report.sourceDemuxers)
        guard let stream = input.stream(report.videoStream) else { throw TranscodeFailure("no video stream") }
        let video = report.streams[report.videoStream]
        let rate = video.averageFrameRate ?? video.frameRate ?? 25
        let plan = ThumbnailPlan(
            settings: settings,
            duration: report.duration,
            frameDuration: 1 / rate,
            displayWidth: report.displayWidth,
            displayHeight: report.displayHeight
        )
        try FileManager.default.createDirectory(
            atPath: outputDirectory + "/thumbnails",
            withIntermediateDirectories: true
        )
        let writers = try plan.sizes.map {
            try JPEGWriter(width: $0.width, height: $0.height, rotation: video.rotation ?? 0, quality: plan.quality)
        }
        let decoder = try Decoder(stream: stream, threads: 1)
        let timeBase = av_q2d(stream.pointee.time_base)
        let start = stream.pointee.start_time == LibAV.noTimestamp ? 0 : stream.pointee.start_time
        var files: [(label: String, path: String, width: Int, height: Int)] = []
        var decoded = 0
        for position in plan.positions {
            let target = start + Int64(position.seconds / timeBase)
            try input.seek(stream: report.videoStream, to: target)
            decoder.flush()
            let (frame, count) = try frameShown(
                at: target,
                input: input,
                decoder: decoder,
                streamIndex: report.videoStream
            )
            decoded += count
            guard let frame else { continue }
            for (size, writer) in zip(plan.sizes, writers) {
                let name = ThumbnailPlan.fileName(position, size)
                _ = try writer.write(frame, to: outputDirectory + "/" + name)
                files.append((position.label, name, size.width, size.height))
            }
            if plan.poster, position == plan.positions.first, let size = plan.sizes.last, let writer = writers.last {
                _ = try writer.write(frame, to: outputDirectory + "/" + ThumbnailPlan.posterFile)
                files.append(("poster", ThumbnailPlan.posterFile, size.width, size.height))
            }
        }
        return Result(files: files, decodedFrames: decoded)
    }

    /// Decodes from the keyframe the seek landed on; the answer is the last picture at or before `target`.
    private static func frameShown(at target: Int64, input: FormatInput, decoder: Decoder, streamIndex: Int) throws
        -> (Frame?, Int)
    {
        let packet = try Packet()
        var shown: Frame? = nil
        var count = 0
        var frame = try Frame()
        var draining = false
        while !draining {
            if try input.read(into: packet) {
                defer { packet.unref() }
                guard packet.streamIndex == streamIndex, try decoder.sendSkippingDamage(packet) else { continue }
            } else {
                try decoder.send(nil)
                draining = true
            }
            while try decoder.receive(into: frame) {
                count += 1
                let time = frame.bestEffortTimestamp
                if shown != nil, time != LibAV.noTimestamp, time > target { return (shown, count) }
                shown = frame
                frame = try Frame()
            }
        }
        return (shown, count)
    }
}
