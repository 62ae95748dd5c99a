import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import IngestCore
import Logging
import NIOCore

/// The HTTP server the API runs: HTTP/1.1 with the WebSocket upgrade, every connection starting behind a
/// `RequestHeadGuard`, with the configured idle timeout and header limits.
struct GuardedHTTPChannel<Wrapped: ServerChildChannel>: ServerChildChannel {
    typealias Value = Wrapped.Value
    let wrapped: Wrapped
    let headerTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                RequestHeadGuard(timeout: headerTimeout, maxBytes: APISettings.maxHeaderBytes)
            )
        }.flatMap {
            wrapped.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await wrapped.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the WebSocket upgrade on `webSocketRouter`, bounded as `settings` say.
    static func guardedHTTP1WebSocketUpgrade(
        webSocketRouter: Router<APIContext>,
        settings: APISettings
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(
                idleTimeout: TimeAmount(settings.idleTimeout),
                // Later requests on a kept-alive connection: the first one is the guard's, refused with 431 before
                // the decoder sees it (the decoder's own refusal on the upgrade path is silence).
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: APISettings.maxHeaderBytes,
                    maxHeaderListSize: APISettings.maxHeaderBytes,
                    maxHeaderFieldCount: 200
                )
            ),
            ws: .init()
        )
        let headerTimeout = TimeAmount(settings.headerTimeout)
        return .init { responder in
            GuardedHTTPChannel(
                wrapped: HTTP1WebSocketUpgradeChannel(
                    responder: responder,
                    webSocketResponder: webSocketResponder,
                    configuration: configuration
                ),
                headerTimeout: headerTimeout
            )
        }
    }
}
