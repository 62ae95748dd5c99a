import NIOCore

/// The first handler of every connection, before the HTTP decoder: the first request's head (request line and
/// headers, up to the blank line) must arrive within `timeout` and hold at most `maxBytes`. Otherwise the client gets
/// `408 Request Timeout` or `431 Request Header Fields Too Large` with a one-line reason, and the connection closes.
///
/// Without it a client trickling a header a byte a second holds a connection for ever: the server's idle timeout
/// only starts once a first head is parsed, and the WebSocket upgrade path has none before it. Later requests on a
/// kept-alive connection are bounded by that idle timeout and the decoder's limits. Once the head is complete this
/// handler takes itself out of the pipeline.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case readingHead
        /// Answered 408 or 431: what still arrives is dropped while the connection closes.
        case refused
        /// The head is complete and this handler is leaving the pipeline.
        case passing
    }

    private let timeout: TimeAmount
    private let maxBytes: Int
    private var state = State.readingHead
    private var deadline: Scheduled<Void>?
    private var received = 0
    /// Bytes of the current line, carriage returns not counted: a line feed ending an empty line ends the head.
    private var lineLength = 0
    /// A request line has begun (empty lines before it are allowed and skipped, as RFC 9112 asks).
    private var started = false

    init(timeout: TimeAmount, maxBytes: Int) {
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armDeadline(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armDeadline(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarmDeadline()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarmDeadline()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passing:
            context.fireChannelRead(data)
        case .refused:
            return
        case .readingHead:
            let buffer = unwrapInboundIn(data)
            let end = scan(buffer)
            received += end ?? buffer.readableBytes
            if received > maxBytes {
                refuse(
                    context,
                    status: (431, "Request Header Fields Too Large"),
                    reason: "the request's headers exceed \(maxBytes / 1024) KiB"
                )
            } else if end != nil {
                state = .passing
                disarmDeadline()
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            } else {
                context.fireChannelRead(data)
            }
        }
    }

    /// Follows the bytes up to the end of the head: how many of this buffer's bytes belong to it once it ends here,
    /// nil while it goes on.
    private func scan(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            for (offset, byte) in bytes.enumerated() {
                switch byte {
                case UInt8(ascii: "\r"):
                    continue
                case UInt8(ascii: "\n"):
                    if started && lineLength == 0 { return offset + 1 }
                    lineLength = 0
                default:
                    started = true
                    lineLength += 1
                }
            }
            return nil
        }
    }

    private func armDeadline(_ context: ChannelHandlerContext) {
        guard deadline == nil, case .readingHead = state else { return }
        let seconds = timeout.nanoseconds / 1_000_000_000
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.deadline = nil
            guard case .readingHead = self.state else { return }
            self.refuse(
                context,
                status: (408, "Request Timeout"),
                reason: "the request's headers did not arrive within \(seconds) s"
            )
        }
    }

    private func disarmDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    /// Answers as the API's errors do (`{"error": {"message", "status"}}`) and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, status: (code: Int, phrase: String), reason: String) {
        state = .refused
        disarmDeadline()
        let body = "{\"error\":{\"message\":\"\(reason)\",\"status\":\(status.code)}}\n"
        let head =
            "HTTP/1.1 \(status.code) \(status.phrase)\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let buffer = context.channel.allocator.buffer(string: head + body)
        // Closing at once with unread bytes would reset the connection, and a client still sending could lose the
        // answer: finish the output, drop what still comes in, and close for good once the client has or after
        // `lingering`.
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingering) { context.close(promise: nil) }
    }

    private static let lingering = TimeAmount.seconds(2)
}
