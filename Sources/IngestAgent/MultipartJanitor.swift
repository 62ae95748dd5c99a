import Foundation
import IngestCore
import IngestPublish
import IngestStore

/// The cleanup half of `retry-sweep`: aborts multipart uploads nobody will finish, which would otherwise be
/// billed storage forever. Two sources: uploads the journal marks abandoned or that made no progress for the TTL,
/// and uploads under the store's prefix the journal does not know (a crash before the journal commit, another
/// host) that were started more than the TTL ago.
public struct MultipartJanitor: Sendable {
    public struct Action: Codable, Sendable, Equatable {
        public var key: String
        public var uploadId: String
        /// `abandoned`, `stale` or `unknown`.
        public var reason: String
        /// nil when the abort succeeded.
        public var error: String?
    }

    let database: any JobStore
    let client: S3Client
    let prefix: String
    let ttl: Duration

    public init(database: any JobStore, client: S3Client, prefix: String, ttl: Duration) {
        self.database = database
        self.client = client
        self.prefix = prefix
        self.ttl = ttl
    }

    /// Blocking; runs on the caller's thread (use `runBlocking`).
    public func run(at now: Date = Date()) throws -> [Action] {
        let cutoff = now.addingTimeInterval(-Double(ttl.components.seconds))
        let storeURL = "s3://\(client.bucket)"
        let connection = try client.connect()
        var actions: [Action] = []
        var handled: Set<String> = []
        let database = database
        for row in try blockingWait({ try await database.staleUploads(storeURL: storeURL, updatedBefore: cutoff) }) {
            guard let id = row.id, let uploadId = row.uploadId else { continue }
            let reason = row.state == .abandoned ? "abandoned" : "stale"
            var action = Action(key: row.objectKey, uploadId: uploadId, reason: reason, error: nil)
            do {
                try connection.abortMultipartUpload(key: row.objectKey, uploadId: uploadId)
                try blockingWait { try await database.setUploadState(id, .aborted, at: now) }
            } catch let error as S3Error where error.code == "NoSuchUpload" {
                // Already gone on the server (completed elsewhere or expired): nothing to abort.
                try blockingWait { try await database.setUploadState(id, .aborted, at: now) }
            } catch {
                action.error = String(describing: error)
            }
            handled.insert(uploadId)
            actions.append(action)
        }
        let known = try blockingWait { try await database.knownUploadIds(storeURL: storeURL) }
        let listPrefix = prefix.isEmpty ? "" : prefix + "/"
        // Ask the server for the first path segment only and filter here: a `/` in a query value must be signed
        // as %2F, and some S3 servers (moto) check the signature against the decoded value, refusing the request.
        let serverPrefix = listPrefix.split(separator: "/").first.map(String.init) ?? ""
        for upload in try connection.listMultipartUploads(prefix: serverPrefix)
        where upload.key.hasPrefix(listPrefix) && !known.contains(upload.uploadId) && !handled.contains(upload.uploadId)
        {
            guard let initiated = upload.initiated, initiated < cutoff else { continue }
            var action = Action(key: upload.key, uploadId: upload.uploadId, reason: "unknown", error: nil)
            do {
                try connection.abortMultipartUpload(key: upload.key, uploadId: upload.uploadId)
            } catch {
                action.error = String(describing: error)
            }
            actions.append(action)
        }
        return actions
    }
}
