import ArgumentParser
import Foundation
import IngestCore
import IngestMedia

/// The media worker. Users reach it through `reel-ingest probe|transcode`, which exec this binary so that only
/// media work pays for loading FFmpeg. Exit status (`WorkerExitStatus`): 0 success, 1 failure (one line on stderr),
/// 2 bad usage or invalid configuration, 3 the output's disk is full.
@main
struct ReelIngestMedia: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reel-ingest",
        abstract: "Media worker of reel-ingest: probe and transcode.",
        subcommands: [ProbeCommand.self, TranscodeCommand.self, VersionCommand.self]
    )

    static func main() {
        LibAV.tuneMemoryForPictures()
        LibAV.silenceLogging()
        do {
            try WorkerLimits.applyFromEnvironment()
            var command = try parseAsRoot(FileSystemName.commandLineArguments())
            try command.run()
        } catch let error as ConfigErrors {
            for issue in error.issues { printError("reel-ingest: invalid configuration: \(issue)") }
            Foundation.exit(WorkerExitStatus.usage)
        } catch let failure as Failure {
            printError(failure.description)
            Foundation.exit(failure.status)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            } else if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(WorkerExitStatus.usage)
            } else {
                printError("reel-ingest: error: \(error)")
                Foundation.exit(WorkerExitStatus.failed)
            }
        }
    }
}

/// A failure whose text is the whole stderr line (probe reasons are read by the daemon as they are).
struct Failure: Error, CustomStringConvertible {
    let description: String
    let status: Int32
    init(_ description: String, status: Int32 = WorkerExitStatus.failed) {
        self.description = description
        self.status = status
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `--config PATH`, as every reel-ingest command takes it.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $REEL_INGEST_CONFIG or /etc/reel-ingest/agent.toml).")
    var config: String?

    func load() throws(ConfigErrors) -> AgentConfig {
        let (path, explicit) = ConfigLoader.configPath(
            explicit: config,
            environment: ProcessInfo.processInfo.environment
        )
        return try ConfigLoader.load(path: path, mustExist: explicit, requireWatchFolders: false, includeWatches: false)
    }
}
