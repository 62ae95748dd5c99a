import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `<state_dir>/watch-status.json`: how the running agent follows each folder, for `watch list`.
public struct WatchStatusFile: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// `inotify`, `poll (nfs)`, `poll (forced)`, `poll (inotify watch limit)` or `missing`.
        public var mode: String
        public var filesystem: String
        public var settleSeconds: Double
    }

    public var pid: Int32
    public var inotifyWatches: Int
    public var maxUserWatches: Int
    public var watches: [String: Entry]

    public static func path(stateDir: String) -> String {
        stateDir + "/watch-status.json"
    }

    func write(to path: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(self) else { return }
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The status of a running agent; nil when there is none or it has stopped.
    public static func read(stateDir: String) -> WatchStatusFile? {
        guard let data = FileManager.default.contents(atPath: path(stateDir: stateDir)),
            let status = try? JSONDecoder().decode(WatchStatusFile.self, from: data),
            kill(status.pid, 0) == 0
        else { return nil }
        return status
    }
}
