import ArgumentParser
import BuildInfo
import Foundation
import IngestAPI
import IngestAgent
import IngestCore
import Logging
import Metrics

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: watch the configured folders and record every finished recording. Stop with Ctrl-C.",
        discussion: "SIGHUP reloads agent.toml and watches.d/ without stopping; SIGTERM stops gracefully."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        // A share that is not mounted yet must not keep the agent from watching the others.
        let config = try global.loadConfig(requireWatchFolders: false)
        // The one place metrics are bootstrapped: Prometheus, rendered by the status API's /metrics.
        MetricsSystem.bootstrap(APIService.metricsFactory())
        var logger = Logger(label: "reel-ingest")
        logger.logLevel = Logger.Level(rawValue: config.agent.logLevel) ?? .info
        for watch in config.watches where !FileManager.default.fileExists(atPath: watch.path) {
            logger.error(
                "watched folder is missing; it is skipped until it appears",
                metadata: ["path": "\(watch.path)"]
            )
        }
        let (path, explicit) = global.configPath
        let agent = Agent(config: config, logger: logger, version: BuildInfo.version) {
            () throws(ConfigErrors) -> AgentConfig in
            try ConfigLoader.load(path: path, mustExist: explicit, requireWatchFolders: false)
        }
        try await agent.run()
    }
}
