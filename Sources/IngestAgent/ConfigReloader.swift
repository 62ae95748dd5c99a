import IngestCore
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads `agent.toml` and `watches.d/` on SIGHUP. A broken file is logged and the old configuration
/// stays in force: a typo must never stop the agent.
struct ConfigReloader: Service {
    let box: ConfigBox
    let load: @Sendable () throws(ConfigErrors) -> AgentConfig
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let config = try load()
                box.replace(config)
                logger.notice("configuration reloaded", metadata: ["watches": "\(config.watches.count)"])
            } catch {
                for issue in error.issues {
                    logger.error("configuration not reloaded: \(issue)")
                }
            }
        }
    }
}
