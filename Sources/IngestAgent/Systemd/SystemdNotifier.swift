import Foundation
import IngestWatcher
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd how the service is doing: the sd_notify(3) protocol without libsystemd, one datagram of
/// `KEY=value` lines to the unix socket named by `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
public struct SystemdNotifier: Sendable {
    public let socket: String
    /// Half of this is how often systemd must hear `WATCHDOG=1`; nil when `WatchdogSec=` is off.
    public let watchdogTimeout: Duration?

    /// The notifier of this process: nil when not started by systemd with `Type=notify`.
    public static let current = SystemdNotifier(environment: ProcessInfo.processInfo.environment)

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` (the watchdog applies to that process only,
    /// not to children that inherited the environment).
    public init?(environment: [String: String], pid: Int32 = getpid()) {
        guard let socket = environment["NOTIFY_SOCKET"], socket.hasPrefix("/") || socket.hasPrefix("@") else {
            return nil
        }
        self.socket = socket
        let forThisProcess = environment["WATCHDOG_PID"].map { Int32($0) == pid } ?? true
        if forThisProcess, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogTimeout = .microseconds(usec)
        } else {
            watchdogTimeout = nil
        }
    }

    /// Sends the states as one datagram.
    public func send(_ states: [SystemdState]) throws(Errno) {
        let message = Array(states.flatMap(\.lines).joined(separator: "\n").utf8)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(socket.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Errno(code: ENAMETOOLONG, operation: "notify systemd at \(socket)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        // An abstract name is exactly its bytes; a path carries its terminating NUL.
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (abstract ? 0 : 1)

        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Errno(code: errno, operation: "notify systemd: socket") }
        defer { close(fd) }
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        guard sent == message.count else {
            throw Errno(code: sent < 0 ? errno : EMSGSIZE, operation: "notify systemd at \(socket)")
        }
    }

    /// Sends and logs a failure instead of throwing: systemd's bookkeeping must never stop the agent.
    public func notify(_ states: SystemdState..., logger: Logger) {
        notify(states, logger: logger)
    }

    public func notify(_ states: [SystemdState], logger: Logger) {
        do {
            try send(states)
        } catch {
            logger.warning("cannot notify systemd", metadata: ["error": "\(error)"])
        }
    }
}
