import Crypto
import Foundation
import Hummingbird
import IngestCore
import IngestStore

/// The chunked upload API (the replaced platform's, kept byte for byte): initiate (JSON), chunk (raw bytes at an
/// offset), complete (JSON), plus a status read so a client can resume after a restart. Same store as tus.
extension APIRoutes {
    struct InitiateBody: Decodable {
        var filename: String?
        var size: Int64?
        var watch: String?
        var metadata: NewUpload.Metadata?
    }

    struct CompleteBody: Decodable {
        var uploadId: String
        /// Optional SHA-256 (hex) of the whole file, checked before the hand-off.
        var sha256: String?
    }

    struct UploadStatus: Encodable {
        var uploadId: String
        var filename: String
        var watch: String
        var size: Int64
        var offset: Int64
        var state: String
        var chunkSize: Int64
        var expiresAt: Date
        var jobId: Int64?
        var path: String?
        var tusUrl: String
    }

    func addChunkedUploads(_ writes: RouterGroup<APIContext>) {
        writes.post("/api/videos/upload/initiate") { request, context in
            let body = try await JSONResponse.decode(InitiateBody.self, from: request, context: context)
            let new = try NewUpload(
                filename: body.filename,
                watchName: body.watch,
                size: body.size,
                metadata: body.metadata ?? .init(),
                config: backend.config
            )
            let row = try await uploads.create(new, protocol: .chunked, tusMetadata: nil)
            context.logger.info(
                "upload initiated",
                metadata: ["upload": "\(row.id)", "file": "\(row.filename)", "watch": "\(row.watchName)"]
            )
            return try JSONResponse.make(status(row), status: .created)
        }
        writes.get("/api/videos/upload/:upload") { _, context in
            try JSONResponse.make(status(try await uploads.find(context.parameters.require("upload"))))
        }
        writes.post("/api/videos/upload/chunk") { request, context in
            let query = request.uri.queryParameters
            guard let id = query["uploadId"].map(String.init) else {
                throw APIError.badRequest("chunk needs ?uploadId=ID&offset=N")
            }
            guard let offset = query["offset"].flatMap({ Int64(String($0)) }), offset >= 0 else {
                throw APIError.badRequest("chunk needs ?offset=N, the bytes already sent")
            }
            let checksum = try request.headers[.uploadChecksum].map { (h) throws(APIError) in
                try UploadChecksum(header: h)
            }
            let row = try await uploads.append(
                id: id,
                offset: offset,
                body: request.body,
                checksum: checksum,
                limit: backend.config.api.maxChunkSize,
                killPoint: .midChunkedUpload
            )
            return try JSONResponse.make(status(row))
        }
        writes.post("/api/videos/upload/complete") { request, context in
            let body = try await JSONResponse.decode(CompleteBody.self, from: request, context: context)
            var row = try await uploads.find(body.uploadId)
            switch row.state {
            case .handedOff:
                return try JSONResponse.make(status(row))
            case .receiving:
                throw APIError(
                    .conflict,
                    "upload \(row.id) has \(row.receivedBytes) of \(row.totalSize) bytes: send the rest first",
                    details: ["offset": row.receivedBytes]
                )
            case .expired, .terminated, .failed:
                throw APIError(.gone, "upload \(row.id) is \(row.state.rawValue): start a new upload")
            case .received:
                break
            }
            if let expected = body.sha256?.lowercased() {
                let path = row.dataPath(in: uploads.directory)
                let actual = try await runBlocking { () throws -> String in try Self.sha256(path: path) }
                guard actual == expected else {
                    throw APIError(
                        HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch"),
                        "the file's SHA-256 is \(actual), not \(expected): upload it again"
                    )
                }
            }
            row = try await handoff.complete(row)
            return try JSONResponse.make(status(row))
        }
    }

    func status(_ row: HTTPUploadRecord) -> UploadStatus {
        UploadStatus(
            uploadId: row.id,
            filename: row.filename,
            watch: row.watchName,
            size: row.totalSize,
            offset: row.receivedBytes,
            state: row.state.rawValue,
            chunkSize: min(backend.config.api.maxChunkSize, 8 * 1_048_576),
            expiresAt: row.expiresAt,
            jobId: row.jobId,
            path: row.finalPath,
            tusUrl: Self.tusBase + "/" + row.id
        )
    }

    static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw APIError(.internalServerError, "cannot read the upload's file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
