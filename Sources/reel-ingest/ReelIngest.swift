import ArgumentParser
import Foundation
import IngestCore
import Logging

@main
struct ReelIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reel-ingest",
        abstract:
            "Watch-folder video ingest agent: picks up recordings, transcodes them and publishes them for streaming.",
        discussion: """
            Exit status: 0 success, 1 failure, 2 bad usage or invalid configuration.
            The configuration file is --config PATH, else $REEL_INGEST_CONFIG, else /etc/reel-ingest/agent.toml.
            """,
        subcommands: [
            RunCommand.self, ConfigCommand.self, WatchCommand.self, JobsCommand.self, StatusCommand.self,
            RetrySweepCommand.self, AgentsCommand.self, StateCommand.self, TranscodeCommand.self, ProbeCommand.self,
            PushCommand.self,
        ]
    )

    @Flag(name: .long, help: "Print the version and the FFmpeg, libcurl and SQLite versions in use.")
    var version = false

    func run() async throws {
        guard version else { throw CleanExit.helpRequest(self) }
        print(await VersionReport.collect().lines.joined(separator: "\n"))
    }

    /// Runs the command and maps errors to the documented exit codes (ArgumentParser alone would use 64).
    static func main() async {
        MediaWorker.execIfMediaCommand()
        // A person at a terminal gets the readable layout; journald, files and pipes one line per event.
        if isatty(STDERR_FILENO) == 1 {
            LoggingSystem.bootstrap { TerminalLogHandler(label: $0) }
        } else {
            LoggingSystem.bootstrap { PlainLogHandler(label: $0) }
        }
        do {
            var command = try parseAsRoot(FileSystemName.commandLineArguments())
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigErrors {
            for issue in error.issues {
                FileHandle.standardError.write(Data("reel-ingest: invalid configuration: \(issue)\n".utf8))
            }
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            } else if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            } else {
                FileHandle.standardError.write(Data("reel-ingest: error: \(error)\n".utf8))
                Foundation.exit(1)
            }
        }
    }
}

/// A failure the user should read as a sentence, not as a Swift type.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
