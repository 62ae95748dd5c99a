import Hummingbird

/// The web status page: plain HTML, CSS and JavaScript modules compiled into the binary (no network, no build step).
extension APIRoutes {
    static let assets: [String: (bytes: [UInt8], type: String)] = [
        "app.css": (PackageResources.app_css, "text/css; charset=utf-8"),
        "app.js": (PackageResources.app_js, "text/javascript; charset=utf-8"),
        "api.js": (PackageResources.api_js, "text/javascript; charset=utf-8"),
        "queue.js": (PackageResources.queue_js, "text/javascript; charset=utf-8"),
        "video.js": (PackageResources.video_js, "text/javascript; charset=utf-8"),
        "upload.js": (PackageResources.upload_js, "text/javascript; charset=utf-8"),
        "tus.js": (PackageResources.tus_js, "text/javascript; charset=utf-8"),
    ]

    /// The page talks to its own origin only; players may fetch media from the CDN or S3.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src * data: blob:; media-src * blob:; connect-src 'self'; "
        + "style-src 'self'; script-src 'self'; frame-ancestors 'none'"

    func addPage(_ open: RouterGroup<APIContext>) {
        open.get("/") { _, _ in Self.asset(PackageResources.index_html, type: "text/html; charset=utf-8") }
        open.get("/assets/:file") { _, context in
            let name = try context.parameters.require("file")
            guard let asset = Self.assets[name] else { throw APIError.notFound("no asset \(name.prefix(60))") }
            return Self.asset(asset.bytes, type: asset.type)
        }
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
