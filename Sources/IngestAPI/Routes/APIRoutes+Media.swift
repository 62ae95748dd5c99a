import Foundation
import Hummingbird
import IngestCore

/// Published files of a `file://` store, served by the agent to its signed URLs (see `MediaLinks`), with byte
/// ranges for the player.
extension APIRoutes {
    static let mediaTypes = [
        "m3u8": "application/vnd.apple.mpegurl", "m4s": "video/iso.segment", "mpd": "application/dash+xml",
        "mp4": "video/mp4", "jpg": "image/jpeg", "json": "application/json",
    ]

    func addMedia(_ open: RouterGroup<APIContext>) {
        open.get("/media/**") { request, context in try await media(request, context) }
        open.head("/media/**") { request, context in try await media(request, context) }
    }

    func media(_ request: Request, _ context: APIContext) async throws -> Response {
        guard case .file(let directory) = StoreLocation(backend.config.storage.url) else {
            throw APIError.notFound("the agent serves published files only for a file:// store")
        }
        guard let key = links.verify(path: request.uri.path) else {
            throw APIError(.forbidden, "this media link is not valid or has expired: open the video's page again")
        }
        // Hummingbird logs "Serving files from" at info for every middleware made; one per request is noise.
        var quiet = logger
        quiet.logLevel = .warning
        let files = FileMiddleware<APIContext, LocalFileSystem>(directory, cacheControl: .init([]), logger: quiet)
        var head = request.head
        head.path = "/" + MediaLinks.encodePath(key)
        var response = try await files.handle(Request(head: head, body: request.body), context: context) { _, _ in
            throw APIError.notFound("no such published file")
        }
        if let type = Self.mediaTypes[(key as NSString).pathExtension.lowercased()] {
            response.headers[.contentType] = type
        }
        response.headers[.cacheControl] = "private, max-age=300"
        return response
    }
}
