import Foundation
import IngestCore
import IngestPublish
import IngestStore

/// `retry-sweep`'s CDN part: CDN requests that failed after their retries are tried again (a purge that never
/// happened leaves viewers on an old revision), each result written back to its `video_cdn_cache` row.
public struct CDNRetry: Sendable {
    public struct Action: Codable, Sendable, Equatable {
        public var id: Int64
        public var job: Int64
        public var action: String
        public var url: String
        /// ok or failed, after this try.
        public var status: String
        public var attempts: Int
        public var error: String?
    }

    /// Tries per action, the pipeline's included, before the sweep gives up on it.
    public static let maxAttempts = 10

    let database: any JobStore
    let options: CDNClient.Options

    /// Throws when credentials are configured but cannot be used (see `CredentialSource.ifConfigured`).
    public init(database: any JobStore, settings: StorageSettings, cdn: CDNSettings) throws(CredentialsError) {
        self.database = database
        let credentials = try CredentialSource.ifConfigured(for: settings)
        options = CDNClient.Options(cdn, storage: settings, credentials: credentials)
    }

    public func run() async throws -> [Action] {
        let records = try await database.failedCDNActions(maxAttempts: Self.maxAttempts)
        var results: [Action] = []
        let options = self.options
        for var record in records {
            guard let id = record.id, let action = CDNAction(name: record.action, target: record.url) else { continue }
            let outcome = try await runBlocking("reel-ingest cdn retry") {
                try CDNClient(options: options).perform(action)
            }
            record.record(outcome, at: Date())
            try await database.updateCDNAction(record)
            results.append(
                Action(
                    id: id,
                    job: record.jobId,
                    action: record.action,
                    url: record.url,
                    status: record.status.rawValue,
                    attempts: record.attempts,
                    error: record.error
                )
            )
        }
        return results
    }
}
