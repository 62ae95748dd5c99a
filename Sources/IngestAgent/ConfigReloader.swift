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
            KillPoint.midReload.reached()
            let pending = restartNeeded(from: box.config, to: config)
            box.replace(config)
            logger.notice(
                "configuration reloaded",
                metadata: ["watches": "\(config.watches.count)", "cause": "\(cause)"]
            )
            if !pending.isEmpty {
                logger.warning(
                    "changed settings need a restart to take effect: \(pending.joined(separator: ", "))"
                )
            }
        } catch {
            for issue in error.issues {
                logger.error("configuration not reloaded: \(issue)")
            }
        }
    }

    /// Settings the running agent read once at start (its store and upload lane, scratch and state directories,
    /// the API listener): a reload records them but cannot apply them, so the admin is told which changed.
    static func restartNeeded(from old: AgentConfig, to new: AgentConfig) -> [String] {
        var changed: [String] = []
        if old.storage != new.storage { changed.append("[storage]") }
        if old.api != new.api { changed.append("[api]") }
        if old.agent.stateDir != new.agent.stateDir { changed.append("agent.state_dir") }
        if old.agent.scratchDir != new.agent.scratchDir { changed.append("agent.scratch_dir") }
        if old.agent.parallelUploads != new.agent.parallelUploads { changed.append("agent.parallel_uploads") }
        return changed
    }
}
