#if canImport(Glibc)
    import Glibc
#endif

/// One line of the sd_notify(3) protocol.
public enum SystemdState: Sendable, Equatable {
    /// Start-up (or a reload) is complete.
    case ready
    /// A reload begins; systemd 253+ (`Type=notify-reload`) wants the monotonic time beside it.
    case reloading(monotonicMicroseconds: UInt64)
    /// Graceful shutdown has begun.
    case stopping
    /// Still alive (`WatchdogSec=`).
    case watchdog
    /// Free text for `systemctl status`.
    case status(String)

    /// `RELOADING=1` stamped with the current `CLOCK_MONOTONIC`.
    public static func reloadingNow() -> SystemdState {
        .reloading(monotonicMicroseconds: monotonicMicroseconds())
    }

    /// The `KEY=value` lines; a status is kept to one line because the protocol is line-based.
    public var lines: [String] {
        switch self {
        case .ready: ["READY=1"]
        case .reloading(let usec): ["RELOADING=1", "MONOTONIC_USEC=\(usec)"]
        case .stopping: ["STOPPING=1"]
        case .watchdog: ["WATCHDOG=1"]
        case .status(let text):
            ["STATUS=" + String(text.map { $0.isNewline ? " " : $0 })]
        }
    }

    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
