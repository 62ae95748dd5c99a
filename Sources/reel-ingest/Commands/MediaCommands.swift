import ArgumentParser

/// Listed here for `reel-ingest --help`; `ReelIngest.main` execs the media worker before parsing, so these run
/// only if that was bypassed, and then exec it too.
struct TranscodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Transcode one file into the streaming ladder in a folder (INPUT --out DIR [--profile NAME])."
    )
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
    func run() async throws { MediaWorker.exec(["reel-ingest", "transcode"] + arguments) }
}

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Say whether a file is a usable video and describe its streams (FILE [--json])."
    )
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
    func run() async throws { MediaWorker.exec(["reel-ingest", "probe"] + arguments) }
}
