import ArgumentParser
import Foundation
import IngestCore
import IngestMedia

struct TranscodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Transcode one file into the streaming ladder in a folder."
    )

    @Argument(help: "The source file.") var input: String
    @Option(name: .long, help: "Output directory.") var out: String
    @Option(name: .long, help: "Profile name from the configuration.") var profile = "default"
    @Option(name: .long, help: "Progress output on stderr: human or json.") var progress = "human"
    @OptionGroup var config: ConfigOption

    func run() throws {
        throw Failure("transcode is not yet available in this version")
    }
}
