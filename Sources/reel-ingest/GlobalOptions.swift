import ArgumentParser
import Foundation
import IngestCore
import IngestStore
import Logging

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $REEL_INGEST_CONFIG or /etc/reel-ingest/agent.toml).")
    var config: String?

    var configPath: (path: String, explicit: Bool) {
        ConfigLoader.configPath(explicit: config, environment: ProcessInfo.processInfo.environment)
    }

    /// Loads and checks the configuration; problems surface as `ConfigErrors` (exit 2).
    func loadConfig(requireWatchFolders: Bool = true) throws(ConfigErrors) -> AgentConfig {
        let (path, explicit) = configPath
        return try ConfigLoader.load(path: path, mustExist: explicit, requireWatchFolders: requireWatchFolders)
    }

    /// Opens the job store `config` names for the length of `body`.
    func withDatabase<T>(_ config: AgentConfig, _ body: (any JobStore) async throws -> T) async throws -> T {
        var opened = false
        do {
            return try await JobStores.with(config, logger: Logger(label: "reel-ingest")) { database in
                opened = true
                return try await body(database)
            }
        } catch  where !opened {
            throw Failure("cannot open the job database \(JobStores.location(of: config)): \(error)")
        }
    }
}

/// `--json` on read commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
    var json = false
}
