import ArgumentParser
import Foundation
import IngestCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration files.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract:
                "Check agent.toml and watches.d/ and print the settings in force (secrets hidden), or what is wrong."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let config: AgentConfig
            do {
                config = try global.loadConfig()
            } catch {
                guard output.json else { throw error }
                let issues: [ConfigValue] = error.issues.map { issue in
                    .table([
                        "file": .string(issue.file),
                        "key": issue.key.map(ConfigValue.string) ?? .string(""),
                        "problem": .string(issue.problem),
                    ])
                }
                print(ConfigValue.table(["valid": .bool(false), "errors": .array(issues)]).json)
                throw ExitCode(2)
            }
            var tree = config.resolvedTree(environment: environment)
            if output.json {
                tree["valid"] = .bool(true)
                print(ConfigValue.table(tree).json)
            } else {
                print(ConfigValue.toml(tree), terminator: "")
                FileHandle.standardError.write(
                    Data(
                        "configuration OK: \(config.watches.count) watched folder(s), \(config.profiles.count) profile(s)\n"
                            .utf8
                    )
                )
            }
        }
    }
}
