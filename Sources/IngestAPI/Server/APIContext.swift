import Hummingbird
import HummingbirdWebSocket

/// The request context of every route: Hummingbird's core storage, the WebSocket handler slot, and what the auth
/// middleware decided.
public struct APIContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// Set by `BearerAuthMiddleware` when the request carried the right token.
    public var authenticated = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
    }

    /// JSON bodies of the API are small; uploads stream their bodies and never collect them.
    public var maxUploadSize: Int { 64 * 1024 }
}
