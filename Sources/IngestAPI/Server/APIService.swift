import Foundation
import Hummingbird
import HummingbirdWebSocket
import IngestCore
import IngestStore
import Logging
import Metrics
import ServiceLifecycle

/// The status API as one service of the daemon's ServiceGroup: HTTP and WebSocket on `api.listen`, and the queue of
/// completed uploads on their way to intake. A port already taken is logged and leaves the rest of the agent running:
/// ingest must not stop because the status page cannot be served.
public struct APIService: Service {
    let backend: any IngestBackend
    let database: any JobStore
    let logger: Logger

    public init(backend: any IngestBackend, database: any JobStore, logger: Logger) {
        self.backend = backend
        self.database = database
        self.logger = logger
    }

    /// `api.max_connections`, lowered to half the files this process may open (`ulimit -n`; the systemd unit sets
    /// 65536) so that a flood of connections never leaves the agent without descriptors for its own files.
    private func connectionLimit(_ settings: APISettings) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return settings.maxConnections
        }
        let room = max(16, Int(limit.rlim_cur / 2))
        guard settings.maxConnections > room else { return settings.maxConnections }
        logger.notice(
            "api.max_connections lowered: this process may open only so many files",
            metadata: [
                "max_connections": "\(room)", "configured": "\(settings.maxConnections)",
                "open_files_limit": "\(limit.rlim_cur)",
            ]
        )
        return room
    }

    /// What the executable bootstraps swift-metrics with, so that /metrics renders every metric of the process.
    public static func metricsFactory() -> any MetricsFactory { APIMetrics.makeFactory() }

    public func run() async throws {
        let config = backend.config
        guard config.api.enabled, let address = HostPort(config.api.listen) else {
            logger.notice("status API disabled (api.enabled = false)")
            try? await gracefulShutdown()
            return
        }
        let stateDir = config.agent.stateDir
        let token = try await runBlocking { () throws -> APIToken in
            try APIToken.load(settings: config.api, stateDir: stateDir)
        }
        let urlKey = try await runBlocking { () throws -> String in
            try SecretFile.readOrCreate(stateDir + "/api-url-key")
        }
        let handoff = UploadHandoff(backend: backend, database: database, logger: logger)
        let routes = APIRoutes(
            backend: backend,
            database: database,
            uploads: UploadStore(
                database: database,
                directory: config.uploadDirectory,
                expiry: config.api.uploadExpiry
            ),
            handoff: handoff,
            authorization: Authorization(token: token, readsNeedToken: !config.api.isLoopback),
            links: MediaLinks(backend: backend, secret: urlKey),
            metrics: APIMetrics(database: database, agentName: config.agent.name),
            logger: logger
        )
        let logger = self.logger
        let app = Application(
            router: routes.router(),
            server: .guardedHTTP1WebSocketUpgrade(webSocketRouter: routes.webSocketRouter(), settings: config.api),
            configuration: .init(
                address: .hostname(address.host, port: address.port),
                serverName: "reel-ingest",
                availableConnectionsDelegate: .maximum(connectionLimit(config.api), logger: logger)
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                logger.notice(
                    "status API listening",
                    metadata: ["url": "http://\(host):\(port)/", "token_file": "\(token.path)"]
                )
            },
            logger: logger
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await app.run()
                } catch {
                    logger.error(
                        "status API cannot listen; the agent goes on without it",
                        metadata: ["listen": "\(config.api.listen)", "error": "\(error)"]
                    )
                    try? await gracefulShutdown()
                }
                handoff.finish()
            }
            group.addTask { await handoff.run() }
        }
    }
}
