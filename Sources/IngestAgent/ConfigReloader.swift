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
            SystemdNotifier.current?.notify(.reloadingNow(), logger: logger)
            Self.reload(box: box, load: load, logger: logger, cause: "SIGHUP")
            SystemdNotifier.current?.notify(.ready, logger: logger)
        }
    }

    /// Loads the configuration again and puts it in force, or logs every problem and keeps the old one.
    static func reload(
        box: ConfigBox,
        load: @Sendable () throws(ConfigErrors) -> AgentConfig,
        logger: Logger,
        cause: String
    ) {
        do {
            let config = try load()
            box.replace(config)
            logger.notice(
                "configuration reloaded",
                metadata: ["watches": "\(config.watches.count)", "cause": "\(cause)"]
            )
        } catch {
            for issue in error.issues {
                logger.error("configuration not reloaded: \(issue)")
            }
        }
    }
}
