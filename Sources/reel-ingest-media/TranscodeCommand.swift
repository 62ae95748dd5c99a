import ArgumentParser
import Foundation
import IngestCore
import IngestMedia

struct TranscodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Transcode one file into the streaming ladder in a folder.",
        discussion: """
            Writes CMAF segments per rendition, HLS (master.m3u8) and DASH (manifest.mpd) manifests, a progressive \
            video.mp4, thumbnails and video.json into DIR. A compliant H.264 source is published as the top rung \
            without re-encoding (profile setting passthrough). DIR keeps a checkpoint: run the same command again \
            after an interruption and it continues at the first missing segment. With --progress json, stdout \
            carries one JSON object per line: progress {"stage", "percent", "fps", "speed", "eta_seconds"}, \
            {"event": "file", "path", "bytes"} as soon as an output file is complete (on a resumed run first every \
            file kept from before, then segments while encoding continues, manifests and video.json last), and \
            {"event": "log", "level", "message"}. Exit 0 on success, 1 with one line on stderr on failure.
            """
    )

    enum ProgressFormat: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    @Argument(help: "The source file.") var input: String
    @Option(name: .long, help: "Output directory (created if missing).") var out: String
    @Option(name: .long, help: "Profile name from the configuration.") var profile = "default"
    @Option(name: .long, help: "Progress format: human (stderr) or json (stdout, one object per line).")
    var progress: ProgressFormat = .human
    @Flag(name: .long, help: "Write no thumbnails (to measure what they cost, or when they are made elsewhere).")
    var noThumbnails = false
    @OptionGroup var config: ConfigOption

    func run() throws {
        let agent = try config.load()
        guard var chosen = agent.profiles[profile] else {
            let known = agent.profiles.keys.sorted().joined(separator: ", ")
            throw ValidationError("unknown profile '\(profile)' (configured: \(known))")
        }
        if noThumbnails {
            chosen.thumbnails.percentages = []
            chosen.thumbnails.seconds = []
            chosen.thumbnails.poster = false
        }
        let limits = agent.limits
        var request = TranscodeRequest(
            input: input,
            outputDirectory: out,
            profile: chosen,
            limits: ProbeLimits(
                maxWidth: limits.maxWidth,
                maxHeight: limits.maxHeight,
                maxDuration: Double(limits.maxDuration.components.seconds),
                allowedContainers: limits.allowedContainers
            ),
            cores: ProcessInfo.processInfo.activeProcessorCount
        )
        let reporter = ProgressPrinter(format: progress)
        if progress == .json {
            let output = out
            request.fileWritten = { path in
                var info = stat()
                let bytes = stat(output + "/" + path, &info) == 0 ? Int64(info.st_size) : 0
                reporter.line(.file(.init(path: path, bytes: bytes)))
            }
        }
        request.log = { reporter.log($0) }
        do {
            _ = try Transcoder.run(request, progress: reporter.print)
        } catch {
            throw Failure(
                error.description,
                status: error.outOfSpace ? WorkerExitStatus.outOfSpace : WorkerExitStatus.failed
            )
        }
    }
}

/// Prints progress: JSON lines on stdout for a supervisor, a rewritten line on stderr for a person.
struct ProgressPrinter: Sendable {
    let format: TranscodeCommand.ProgressFormat
    /// Encoder threads announce files while the main thread reports progress: one line at a time.
    private let lock = NSLock()

    init(format: TranscodeCommand.ProgressFormat) {
        self.format = format
    }

    /// One JSON line on stdout.
    func line(_ message: WorkerMessage) {
        write(message.encoded())
    }

    /// A log line: JSON on stdout beside the progress (stderr is kept for the one failure line), or a line of its
    /// own on stderr for a person.
    func log(_ message: String) {
        switch format {
        case .json:
            write(WorkerLog(message: message).encoded())
        case .human:
            FileHandle.standardError.write(Data(("\r" + message + "\u{1B}[K\n").utf8))
        }
    }

    private func write(_ line: Data) {
        let data = line + Data("\n".utf8)
        lock.withLock { FileHandle.standardOutput.write(data) }
    }

    func print(_ progress: TranscodeProgress) {
        switch format {
        case .json:
            line(.progress(progress))
        case .human:
            let eta = progress.etaSeconds.map { String(format: ", %.0f s left", $0) } ?? ""
            let line = String(
                format: "%@ %5.1f%% %6.1f fps %5.2fx%@",
                progress.stage,
                progress.percent,
                progress.fps,
                progress.speed,
                eta
            )
            let end = progress.stage == "done" ? "\n" : "\r"
            FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K" + end).utf8))
        }
    }
}
