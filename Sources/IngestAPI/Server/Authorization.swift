import Hummingbird

/// Who may do what. Changes and uploads always need the token; reads need it too when the API listens beyond
/// loopback. Browsers cannot set headers on a WebSocket, so there the token may come as the subprotocol
/// `reel-ingest.token.<token>` (offered beside `reel-ingest`, which the server selects: the token is never echoed).
struct Authorization: Sendable {
    enum Access: Sendable {
        case read
        case write
    }

    static let subprotocol = "reel-ingest"
    static let tokenSubprotocolPrefix = "reel-ingest.token."

    let token: APIToken
    let readsNeedToken: Bool

    func check(_ request: Request, _ access: Access) throws {
        if access == .read && !readsNeedToken { return }
        guard let presented = Self.presentedToken(request) else {
            throw unauthorized("this needs the API token: send the header Authorization: Bearer TOKEN")
        }
        guard token.matches(presented) else { throw unauthorized("the API token is not valid") }
    }

    private func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, message + " (the token is in the file named by api.token_file)")
        error.headers[.wwwAuthenticate] = "Bearer realm=\"reel-ingest\""
        return error
    }

    static func presentedToken(_ request: Request) -> Substring? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].drop { $0 == " " }
            }
        }
        for value in request.headers[values: .secWebSocketProtocol] {
            for item in value.split(separator: ",") {
                let item = item.trimmingCharacters(in: .whitespaces)
                if item.hasPrefix(tokenSubprotocolPrefix) {
                    return Substring(item.dropFirst(tokenSubprotocolPrefix.count))
                }
            }
        }
        return nil
    }
}

/// Applies `Authorization.check` to every route of a group.
struct RequireAccess: RouterMiddleware {
    typealias Context = APIContext
    let authorization: Authorization
    let access: Authorization.Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        try authorization.check(request, access)
        var context = context
        context.authenticated = true
        return try await next(request, context)
    }
}
