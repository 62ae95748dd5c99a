import ArgumentParser
import Foundation
import IngestCore
import IngestStore

/// The agents sharing this store: who runs, what each holds, and draining or releasing one.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List the agents sharing the job database; drain one before an upgrade, release a quarantined one.",
        subcommands: [List.self, Drain.self, Release.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the agents: state (active, draining, quarantined, gone), jobs held, last heartbeat."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let agents = try await global.withDatabase(config) { try await $0.agentStatuses() }
            if output.json { return try JSONOutput.print(agents) }
            guard !agents.isEmpty else {
                print("no agents yet: an agent appears here once `reel-ingest run` started on this database")
                return
            }
            var table = Table(headers: ["NAME", "STATE", "RUNNING", "SLOTS", "HEARTBEAT", "HOST", "VERSION", "REASON"])
            for status in agents {
                let agent = status.agent
                table.rows.append([
                    agent.name, status.state, "\(status.running)", "\(agent.slots)",
                    Formatting.age(of: Date(timeIntervalSinceNow: -status.silentFor)) + " ago", agent.host,
                    agent.version, agent.reason ?? "",
                ])
            }
            print(table.render())
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drain",
            abstract: "Let an agent finish what it runs and claim nothing new (until it restarts or is released).",
            discussion: """
                The agent notices at its next heartbeat (a quarter of its lease) and logs "drained" once \
                nothing runs; `reel-ingest agents` shows how many jobs it still holds. Stop it then, upgrade, \
                start it: it claims again.
                """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The agent's name ([agent] name, by default its host name).") var name: String
        @Option(help: "Why, shown in `reel-ingest agents`.") var reason = "drained by an admin"

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            try await setState(config, global: global, name: name, .draining, reason: reason)
            print("\(name): draining; it finishes what it runs and claims nothing new")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Let a quarantined or draining agent claim jobs again."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The agent's name.") var name: String

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            try await setState(config, global: global, name: name, .active, reason: nil)
            print("\(name): active; it claims jobs again from its next heartbeat")
        }
    }

    static func setState(
        _ config: AgentConfig,
        global: GlobalOptions,
        name: String,
        _ state: AgentRecord.State,
        reason: String?
    ) async throws {
        let (found, known) = try await global.withDatabase(config) { database in
            (
                try await database.setAgentState(name: name, state, reason: reason),
                try await database.agentStatuses().map(\.agent.name)
            )
        }
        guard found else {
            throw Failure(
                "no agent named \"\(name)\"" + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))")
            )
        }
    }
}
