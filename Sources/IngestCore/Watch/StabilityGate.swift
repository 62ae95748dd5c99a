import Foundation

/// Decides when a file has stopped changing: its size, mtime and inode must hold still for the settle
/// time. Pure: the watcher feeds it observations and the clock; it answers which files are ready.
public struct StabilityGate: Sendable {
    struct Pending: Sendable {
        var observation: FileObservation
        var unchangedSince: Date
    }

    private var pending: [String: Pending] = [:]

    public init() {}

    /// Records what a stat saw. A changed size, mtime or inode restarts the file's settle clock.
    public mutating func observe(_ file: FileObservation, at now: Date) {
        if let known = pending[file.path], known.observation == file { return }
        pending[file.path] = Pending(observation: file, unchangedSince: now)
    }

    /// The file is gone (deleted or moved out): it is dropped, not failed.
    public mutating func forget(_ path: String) {
        pending[path] = nil
    }

    /// Removes and returns every file unchanged for at least `settle`.
    public mutating func takeReady(at now: Date, settle: (String) -> Duration) -> [FileObservation] {
        var ready: [FileObservation] = []
        for (path, entry) in pending where now.timeIntervalSince(entry.unchangedSince) >= settle(path).timeInterval {
            ready.append(entry.observation)
            pending[path] = nil
        }
        return ready.sorted { $0.path < $1.path }
    }

    /// Drops every pending file at or below `path` (a folder deleted or moved out).
    public mutating func forget(under path: String) {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        pending = pending.filter { $0.key != path && !$0.key.hasPrefix(prefix) }
    }

    public func contains(_ path: String) -> Bool {
        pending[path] != nil
    }

    /// When the earliest pending file becomes ready (nil when nothing is pending): the watcher sleeps
    /// until then instead of ticking.
    public func nextDeadline(settle: (String) -> Duration) -> Date? {
        pending.map { $0.value.unchangedSince.addingTimeInterval(settle($0.key).timeInterval) }.min()
    }

    public var pendingPaths: [String] {
        pending.keys.sorted()
    }
}
