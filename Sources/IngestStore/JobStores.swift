import Foundation
import IngestCore
import Logging

/// Opens the job store the configuration names: PostgreSQL when `database.url` is set, else SQLite in the state
/// directory.
public enum JobStores {
    /// Opens the store, runs `body` with it and closes it (a PostgreSQL pool lives exactly as long as `body`).
    /// `relay`: other agents' job updates reach this process's `updates` too (the daemon; a command has no use).
    public static func with<T>(
        _ config: AgentConfig,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger,
        relayingOtherAgents relay: Bool = false,
        _ body: (any JobStore) async throws -> T
    ) async throws -> T {
        if let place = try config.database.resolvedPostgres(environment: environment) {
            return try await PostgresStore.withStore(
                place,
                lease: config.database.lease,
                logger: logger,
                relayingOtherAgents: relay
            ) { store in try await body(store) }
        }
        return try await body(try SQLiteStore(path: config.databasePath))
    }

    /// Where `config` keeps its jobs, for messages (a PostgreSQL URL without its password).
    public static func location(of config: AgentConfig) -> String {
        config.database.postgres?.description ?? config.databasePath
    }
}
