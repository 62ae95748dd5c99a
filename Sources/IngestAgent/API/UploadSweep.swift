import Foundation
import IngestCore
import IngestStore

#if canImport(Glibc)
    import Glibc
#endif

/// `retry-sweep`'s part for HTTP uploads: incomplete uploads past their expiry are marked `expired` in
/// `video_http_uploads` and their bytes removed (the replaced platform's "automatic cleanup of expired uploads"); bytes left in the
/// upload directory by uploads that are already finished (the agent stopped between recording and removing) go too.
public struct UploadSweep: Sendable {
    public struct Action: Codable, Sendable, Equatable {
        public var uploadId: String
        public var filename: String
        public var receivedBytes: Int64
        public var totalSize: Int64
        /// `expired`, or `leftover` for bytes of a finished upload.
        public var reason: String
    }

    let database: any JobStore
    let directory: String

    public init(database: any JobStore, config: AgentConfig) {
        self.database = database
        directory = config.uploadDirectory
    }

    public func run(at now: Date = Date()) async throws -> [Action] {
        var actions: [Action] = []
        for upload in try await database.expiredHTTPUploads(at: now) {
            guard try await database.expireHTTPUpload(id: upload.id, at: now) else { continue }
            let path = upload.dataPath(in: directory)
            _ = await runBlocking { unlink(path) }
            actions.append(Action(upload, reason: "expired"))
        }
        let directory = self.directory
        let names = await runBlocking { (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] }
        for name in names where name.hasSuffix(".upload") {
            let id = String(name.dropLast(".upload".count))
            guard let upload = try await database.httpUpload(id: id), upload.state != .receiving,
                upload.state != .received
            else { continue }
            let path = directory + "/" + name
            _ = await runBlocking { unlink(path) }
            actions.append(Action(upload, reason: "leftover"))
        }
        return actions
    }
}

extension UploadSweep.Action {
    init(_ upload: HTTPUploadRecord, reason: String) {
        self.init(
            uploadId: upload.id,
            filename: upload.filename,
            receivedBytes: upload.receivedBytes,
            totalSize: upload.totalSize,
            reason: reason
        )
    }
}
