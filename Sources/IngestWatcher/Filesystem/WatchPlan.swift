import IngestCore

/// How one watched folder is followed: inotify, or polling (and why), with the settle time that applies.
public struct WatchPlan: Sendable, Equatable, CustomStringConvertible {
    public enum Mode: String, Sendable, Equatable {
        case inotify
        case poll
    }

    public var mode: Mode
    /// Why polling: "forced" (`mode = poll`), the network filesystem's name, or "inotify watch limit".
    public var reason: String?
    public var settle: Duration
    public var filesystem: FilesystemKind

    public init(mode: Mode, reason: String?, settle: Duration, filesystem: FilesystemKind) {
        self.mode = mode
        self.reason = reason
        self.settle = settle
        self.filesystem = filesystem
    }

    /// `mode = auto` polls network mounts (NFS, SMB/CIFS, FUSE) and uses inotify elsewhere; an explicit
    /// mode wins. Network mounts settle longer unless the watch sets its own settle time.
    public static func make(watch: WatchConfig, limits: Limits, filesystem: FilesystemKind) -> WatchPlan {
        let settle = watch.settleTime ?? (filesystem.isNetwork ? limits.networkSettleTime : limits.settleTime)
        switch watch.mode {
        case .poll:
            return WatchPlan(mode: .poll, reason: "forced", settle: settle, filesystem: filesystem)
        case .inotify:
            return WatchPlan(mode: .inotify, reason: nil, settle: settle, filesystem: filesystem)
        case .auto:
            return filesystem.isNetwork
                ? WatchPlan(mode: .poll, reason: filesystem.description, settle: settle, filesystem: filesystem)
                : WatchPlan(mode: .inotify, reason: nil, settle: settle, filesystem: filesystem)
        }
    }

    /// The plan after inotify ran out of watches for this tree.
    public func fallingBackToPolling() -> WatchPlan {
        WatchPlan(mode: .poll, reason: "inotify watch limit", settle: settle, filesystem: filesystem)
    }

    /// `inotify` or `poll (nfs)`: what `watch list` shows.
    public var description: String {
        reason.map { "\(mode.rawValue) (\($0))" } ?? mode.rawValue
    }
}
