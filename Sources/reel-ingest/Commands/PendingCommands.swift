import ArgumentParser

/// Commands whose engines are not in this build yet: they say so plainly and exit 1.
protocol PendingCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    var arguments: [String] { get }
}

extension PendingCommand {
    func run() async throws {
        throw Failure("\(Self.configuration.commandName ?? "this command") is not yet available in this version")
    }
}

struct TranscodeCommand: PendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Transcode one file into the streaming ladder in a folder (not yet available)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}

struct ProbeCommand: PendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Say whether a file is a usable video and describe its streams (not yet available)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(parsing: .allUnrecognized) var arguments: [String] = []
}
