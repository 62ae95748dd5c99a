import ArgumentParser
import Foundation
import IngestCore
import IngestStore

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

    func openDatabase(_ config: AgentConfig) throws -> IngestDatabase {
        do {
            return try IngestDatabase(path: config.databasePath)
        } catch {
            throw Failure("cannot open the job database \(config.databasePath): \(error)")
        }
    }
}

/// `--json` on read commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
    var json = false
}
