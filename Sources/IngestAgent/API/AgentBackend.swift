import Foundation
import IngestAPI
import IngestCore
import IngestPublish
import IngestStore
import IngestWatcher
import Logging

/// The daemon's side of the status API: the configuration in force, intake for uploads, the watchers' state, and
/// presigned URLs for an S3 store.
struct AgentBackend: IngestBackend {
    let box: ConfigBox
    let database: any JobStore
    let intake: Intake

    var config: AgentConfig { box.config }

    func handOff(_ upload: HTTPUploadRecord) async throws -> HTTPUploadRecord {
        try await intake.handOff(upload, config: box.config)
    }

    func check(_ upload: HTTPUploadRecord) async {
        await intake.checkUpload(upload, config: box.config)
    }

    func watcherHealth() async -> [WatcherHealth] {
        let config = box.config
        let status = await runBlocking { WatchStatusFile.read(stateDir: config.agent.stateDir) }
        return config.watches.filter(\.enabled).map { watch in
            guard let entry = status?.watches[watch.name] else {
                return WatcherHealth(name: watch.name, path: watch.path, mode: "not running", ok: false)
            }
            return WatcherHealth(name: watch.name, path: watch.path, mode: entry.mode, ok: entry.mode != "missing")
        }
    }

    func presignedURL(key: String, expiresIn seconds: Int) throws -> String? {
        let storage = box.config.storage
        guard case .s3(let bucket, _) = StoreLocation(storage.url) else { return nil }
        let credentials = try CredentialSource.resolve(for: storage)
        let client = try S3Client(bucket: bucket, credentials: credentials, options: S3Client.Options(storage))
        return try client.presignedGetURL(key: key, expiresIn: seconds)
    }
}

extension APIService {
    /// The status API wired to this daemon's configuration, database and intake.
    static func make(
        box: ConfigBox,
        database: any JobStore,
        prober: (any MediaProber)?,
        logger: Logger
    ) -> APIService {
        let intake = Intake(database: database, prober: prober, logger: logger)
        return APIService(
            backend: AgentBackend(box: box, database: database, intake: intake),
            database: database,
            logger: logger
        )
    }
}
