import Foundation
import IngestAPI
import IngestCore
import IngestPublish
import IngestStore
import IngestWatcher
import Logging
import ServiceLifecycle

/// The daemon: opens the database and runs its services under one ServiceGroup, which stops them
/// gracefully on SIGTERM or SIGINT.
public struct Agent: Sendable {
    public let config: AgentConfig
    public let load: @Sendable () throws(ConfigErrors) -> AgentConfig
    public let logger: Logger
    /// This build's version, as the agents table shows it.
    public let version: String

    public init(
        config: AgentConfig,
        logger: Logger,
        version: String,
        load: @escaping @Sendable () throws(ConfigErrors) -> AgentConfig
    ) {
        self.config = config
        self.logger = logger
        self.version = version
        self.load = load
    }

    public func run() async throws {
        try FileManager.default.createDirectory(atPath: config.agent.scratchDir, withIntermediateDirectories: true)
        try await JobStores.with(config, logger: logger, relayingOtherAgents: true) { database in
            try await run(database: database)
        }
    }

    private func run(database: any JobStore) async throws {
        let box = ConfigBox(config)
        logger.notice(
            "reel-ingest agent started",
            metadata: [
                "config": "\(config.file ?? "embedded defaults")",
                "database": "\(database.location)",
                "watches": "\(config.watches.map(\.path).joined(separator: ", "))",
            ]
        )
        if config.watches.isEmpty {
            logger.warning("no folders are watched: add one with `reel-ingest watch add PATH`")
        }
        let load = load
        let systemd = SystemdNotifier.current
        let probeAnswers = ProbeAnswers()
        var environment = WatchEnvironment(
            prober: SubprocessProber.besideCurrentExecutable(configFile: config.file),
            reload: { [box, logger] in
                ConfigReloader.reload(box: box, load: load, logger: logger, cause: "watches.d changed")
            },
            statusFile: WatchStatusFile.path(stateDir: config.agent.stateDir),
            ready: { [logger] in systemd?.notify(.ready, logger: logger) }
        )
        environment.probeAnswers = probeAnswers
        if environment.prober == nil {
            logger.warning("reel-ingest-media not found next to the agent: files are not probed before queueing")
        }
        let store = try StoreFactory.make(config.storage, database: database)
        let manifests = ManifestCommit(probing: store, fleet: config.database.postgres != nil, logger: logger)
        let pipeline = try pipelineContext(
            database: database,
            box: box,
            store: store,
            manifests: manifests,
            probeAnswers: probeAnswers
        )
        logger.notice(
            "publishing",
            metadata: [
                "store": "\(config.storage.url)", "cdn": "\(config.cdn.provider)",
                "parallel_jobs": "\(config.agent.parallelJobs)", "parallel_uploads": "\(config.agent.parallelUploads)",
            ]
        )
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: WatchService(box: box, database: database, logger: logger, environment: environment)),
                .init(service: Scheduler(context: pipeline, version: version)),
                .init(service: ConfigReloader(box: box, load: load, logger: logger)),
                .init(
                    service: APIService.make(box: box, database: database, prober: environment.prober, logger: logger)
                ),
                // Last, so that it is the first to hear of a shutdown (STOPPING=1).
                .init(service: WatchdogService(notifier: systemd, database: database, box: box, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = config.agent.shutdownTimeout
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
        logger.notice("reel-ingest agent stopped")
    }

    /// The store, the upload lane and what else every job run shares. Storage and CDN settings are read once:
    /// changing them takes a restart (a reload says so).
    private func pipelineContext(
        database: any JobStore,
        box: ConfigBox,
        store: any ObjectStore,
        manifests: ManifestCommit,
        probeAnswers: ProbeAnswers
    ) throws -> PipelineContext {
        // Only CloudFront signs its requests; a credentials file that is there but unusable stops the start.
        let credentials = try CredentialSource.ifConfigured(for: config.storage)
        try FileManager.default.createDirectory(atPath: config.agent.scratchDir, withIntermediateDirectories: true)
        return PipelineContext(
            database: database,
            box: box,
            logger: logger,
            store: store,
            lane: UploadLane(
                store: store,
                database: database,
                threads: config.storage.concurrency,
                logger: logger
            ),
            uploadSlots: SlotPool(slots: config.agent.parallelUploads),
            scratch: ScratchSpace(root: config.agent.scratchDir),
            mediaWorker: SiblingExecutable.mediaWorker,
            configFile: config.file,
            cdnCredentials: credentials,
            manifests: manifests,
            probeAnswers: probeAnswers
        )
    }
}
