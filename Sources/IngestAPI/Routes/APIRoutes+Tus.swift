import Foundation
import HTTPTypes
import Hummingbird
import IngestStore

/// tus 1.0.0: core, creation (and creation-with-upload), termination, checksum (sha1, sha256, md5), expiration.
/// The upload's target folder and the platform's metadata come in `Upload-Metadata`.
extension APIRoutes {
    static let tusVersion = "1.0.0"
    static let tusExtensions = "creation,creation-with-upload,termination,checksum,expiration"
    static let tusBase = "/api/videos/tus"

    func addTus(open: RouterGroup<APIContext>, uploads writes: RouterGroup<APIContext>) {
        open.on("/api/videos/tus", method: .options) { _, _ in tusOptions() }
        open.on("/api/videos/tus/:upload", method: .options) { _, _ in tusOptions() }
        writes.post("/api/videos/tus") { request, context in try await tusCreate(request, context) }
        writes.head("/api/videos/tus/:upload") { request, context in try await tusHead(request, context) }
        writes.patch("/api/videos/tus/:upload") { request, context in try await tusPatch(request, context) }
        writes.delete("/api/videos/tus/:upload") { request, context in try await tusDelete(request, context) }
    }

    func tusOptions() -> Response {
        var headers = tusHeaders()
        headers[.tusVersion] = Self.tusVersion
        headers[.tusExtension] = Self.tusExtensions
        headers[.tusMaxSize] = String(backend.config.limits.maxFileSize)
        headers[.tusChecksumAlgorithm] = UploadChecksum.supported
        return Response(status: .noContent, headers: headers)
    }

    func tusCreate(_ request: Request, _ context: APIContext) async throws -> Response {
        try Self.checkTusResumable(request)
        if request.headers[.uploadDeferLength] != nil {
            throw APIError.badRequest("Upload-Defer-Length is not supported: send Upload-Length")
        }
        guard let lengthText = request.headers[.uploadLength], let length = Int64(lengthText), length >= 0 else {
            throw APIError.badRequest("Upload-Length must be the file's size in bytes")
        }
        let metadataHeader = request.headers[.uploadMetadata]
        let fields = try metadataHeader.map { (header) throws(APIError) in try TusMetadata.parse(header) } ?? [:]
        let new = try NewUpload(
            filename: fields["filename"] ?? fields["name"],
            watchName: fields["watch"],
            size: length,
            metadata: NewUpload.metadata(fromTus: fields),
            config: backend.config
        )
        var row = try await uploads.create(new, protocol: .tus, tusMetadata: metadataHeader)
        // creation-with-upload: the first bytes may ride along with the POST.
        if request.headers[.contentType] == "application/offset+octet-stream" {
            let checksum = try request.headers[.uploadChecksum].map { (h) throws(APIError) in
                try UploadChecksum(header: h)
            }
            row = try await uploads.append(
                id: row.id,
                offset: 0,
                body: request.body,
                checksum: checksum,
                limit: nil,
                killPoint: .midTusUpload
            )
            if row.state == .received { row = try await handoff.complete(row) }
        }
        context.logger.info(
            "tus upload created",
            metadata: [
                "upload": "\(row.id)", "file": "\(row.filename)", "watch": "\(row.watchName)", "size": "\(length)",
            ]
        )
        var headers = tusHeaders(row)
        headers[.location] = Self.tusBase + "/" + row.id
        headers[.uploadOffset] = String(row.receivedBytes)
        return Response(status: .created, headers: headers)
    }

    func tusHead(_ request: Request, _ context: APIContext) async throws -> Response {
        try Self.checkTusResumable(request)
        let row = try await uploads.find(context.parameters.require("upload"))
        switch row.state {
        case .expired, .terminated, .failed: throw APIError(.gone, "upload \(row.id) is \(row.state.rawValue)")
        default: break
        }
        var headers = tusHeaders(row)
        headers[.uploadOffset] = String(row.receivedBytes)
        headers[.uploadLength] = String(row.totalSize)
        if let metadata = row.uploadMetadata { headers[.uploadMetadata] = metadata }
        return Response(status: .ok, headers: headers)
    }

    func tusPatch(_ request: Request, _ context: APIContext) async throws -> Response {
        try Self.checkTusResumable(request)
        guard request.headers[.contentType] == "application/offset+octet-stream" else {
            throw APIError(.unsupportedMediaType, "a PATCH must be Content-Type: application/offset+octet-stream")
        }
        guard let offsetText = request.headers[.uploadOffset], let offset = Int64(offsetText), offset >= 0 else {
            throw APIError.badRequest("Upload-Offset must be the number of bytes already sent")
        }
        let checksum = try request.headers[.uploadChecksum].map { (h) throws(APIError) in try UploadChecksum(header: h)
        }
        let id = try context.parameters.require("upload")
        var row = try await uploads.append(
            id: id,
            offset: offset,
            body: request.body,
            checksum: checksum,
            limit: nil,
            killPoint: .midTusUpload
        )
        if row.state == .received { row = try await handoff.complete(row) }
        var headers = tusHeaders(row)
        headers[.uploadOffset] = String(row.receivedBytes)
        if let job = row.jobId { headers[.reelIngestJob] = String(job) }
        return Response(status: .noContent, headers: headers)
    }

    func tusDelete(_ request: Request, _ context: APIContext) async throws -> Response {
        try Self.checkTusResumable(request)
        let row = try await uploads.find(context.parameters.require("upload"))
        guard row.state == .receiving else {
            throw APIError(.conflict, "upload \(row.id) is \(row.state.rawValue); only an unfinished upload is deleted")
        }
        try await uploads.discard(row, as: .terminated)
        context.logger.info("tus upload terminated", metadata: ["upload": "\(row.id)"])
        return Response(status: .noContent, headers: tusHeaders())
    }

    func tusHeaders(_ row: HTTPUploadRecord? = nil) -> HTTPFields {
        var headers = HTTPFields()
        headers[.tusResumable] = Self.tusVersion
        headers[.cacheControl] = "no-store"
        if let row, row.state == .receiving {
            headers[.uploadExpires] = Self.httpDate(row.expiresAt)
        }
        return headers
    }

    static func checkTusResumable(_ request: Request) throws(APIError) {
        guard let version = request.headers[.tusResumable] else {
            throw APIError.badRequest("a tus request needs Tus-Resumable: \(tusVersion)")
        }
        guard version == tusVersion else {
            var error = APIError(.preconditionFailed, "tus version \(version) is not supported (\(tusVersion) is)")
            error.headers[.tusVersion] = tusVersion
            throw error
        }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

extension HTTPField.Name {
    static let tusResumable = Self("Tus-Resumable")!
    static let tusVersion = Self("Tus-Version")!
    static let tusExtension = Self("Tus-Extension")!
    static let tusMaxSize = Self("Tus-Max-Size")!
    static let tusChecksumAlgorithm = Self("Tus-Checksum-Algorithm")!
    static let uploadOffset = Self("Upload-Offset")!
    static let uploadLength = Self("Upload-Length")!
    static let uploadDeferLength = Self("Upload-Defer-Length")!
    static let uploadMetadata = Self("Upload-Metadata")!
    static let uploadChecksum = Self("Upload-Checksum")!
    static let uploadExpires = Self("Upload-Expires")!
    static let reelIngestJob = Self("Reel-Ingest-Job")!
}
