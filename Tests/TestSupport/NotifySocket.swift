import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`: it records every datagram a service
/// sends, in order, and lets a test await one. A path, or `@name` for an abstract socket.
public final class NotifySocket: Sendable {
    public struct Received: Sendable {
        /// Position in the order of arrival, for awaiting what comes after it.
        public var index: Int
        public var text: String
        /// The `KEY=value` lines of the datagram.
        public var fields: [String: String] {
            Dictionary(
                text.split(separator: "\n").map { line in
                    let parts = line.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                },
                uniquingKeysWith: { _, last in last }
            )
        }
    }

    private struct Waiter {
        var from: Int
        var matches: @Sendable (String) -> Bool
        var continuation: CheckedContinuation<Received?, Never>
    }

    private struct State {
        var messages: [String] = []
        var waiter: Waiter?
    }

    public let path: String
    private let fd: Int32
    private let state = Mutex(State())
    private let stopped = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(path.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (abstract ? 0 : 1)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        // A short receive timeout lets the reader thread notice `close()`.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        let configured = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard bound == 0, configured == 0 else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        Thread.detachNewThread { [self] in readLoop() }
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !stopped.load(ordering: .acquiring) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { received(String(decoding: buffer[0..<count], as: UTF8.self)) }
        }
        finished.signal()
    }

    private func received(_ text: String) {
        let resumed: (CheckedContinuation<Received?, Never>, Received)? = state.withLock { state in
            state.messages.append(text)
            let index = state.messages.count - 1
            guard let waiter = state.waiter, index >= waiter.from, waiter.matches(text) else { return nil }
            state.waiter = nil
            return (waiter.continuation, Received(index: index, text: text))
        }
        if let (continuation, message) = resumed { continuation.resume(returning: message) }
    }

    /// Every datagram so far.
    public var messages: [String] {
        state.withLock { $0.messages }
    }

    /// The first datagram at position `from` or later that has the line `line` (e.g. `READY=1`), already
    /// received or still to come. One waiter at a time.
    public func waitFor(_ line: String, from: Int = 0, timeout: Duration = .seconds(30)) async throws -> Received {
        let matches: @Sendable (String) -> Bool = { $0.split(separator: "\n").contains(Substring(line)) }
        let found = await withTaskGroup(of: Received?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let existing: Received? = self.state.withLock { state in
                        let index = state.messages.indices.first { $0 >= from && matches(state.messages[$0]) }
                        if let index { return Received(index: index, text: state.messages[index]) }
                        state.waiter = Waiter(from: from, matches: matches, continuation: continuation)
                        return nil
                    }
                    if let existing { continuation.resume(returning: existing) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let stale = self.state.withLock { state in
                    defer { state.waiter = nil }
                    return state.waiter?.continuation
                }
                stale?.resume(returning: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let found else { throw Timeout(line: line, messages: messages) }
        return found
    }

    /// Stops the reader and closes the socket (and removes its file).
    public func close() {
        stopped.store(true, ordering: .releasing)
        finished.wait()
        Glibc.close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var line: String
        public var messages: [String]
        public var description: String {
            "no datagram with \(line); received so far:\n" + messages.joined(separator: "\n--\n")
        }
    }
}
