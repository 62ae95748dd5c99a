import Hummingbird

/// The web status page: plain HTML, CSS and JavaScript modules compiled into the binary (no network, no build step).
/// Every file in Web/ is served under /assets/ (`WebAsset.all`).
extension APIRoutes {
    /// The page talks to its own origin only; players may fetch media from the CDN or S3.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src * data: blob:; media-src * blob:; connect-src 'self'; "
        + "style-src 'self'; script-src 'self'; frame-ancestors 'none'"

    func addPage(_ open: RouterGroup<APIContext>) {
        open.get("/") { _, _ in try Self.asset("index.html") }
        // The page links /favicon.svg; browsers ask for /favicon.ico whatever a page links, and take an SVG there.
        open.get("/favicon.svg") { _, _ in try Self.asset("favicon.svg") }
        open.get("/favicon.ico") { _, _ in try Self.asset("favicon.svg") }
        open.get("/assets/:file") { _, context in try Self.asset(context.parameters.require("file")) }
    }

    static func asset(_ name: String) throws -> Response {
        guard let asset = WebAsset.all[name] else { throw APIError.notFound("no asset \(name.prefix(60))") }
        var headers = HTTPFields()
        headers[.contentType] = asset.type
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
