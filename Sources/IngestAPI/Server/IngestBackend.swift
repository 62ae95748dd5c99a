import Foundation
import IngestCore
import IngestStore

/// What the API needs from the daemon that only the daemon has: the configuration in force, intake, the watchers'
/// state and the store's credentials. IngestAgent implements it (`AgentBackend`).
public protocol IngestBackend: Sendable {
    /// The configuration in force (reloaded on SIGHUP).
    var config: AgentConfig { get }

    /// Moves a complete upload's file into its watch folder under its final name (atomically: never seen there
    /// half-written) and records it through intake, settle-free, as the watcher would a dropped file. Picks up where
    /// an earlier attempt stopped (the agent may have died half-way). Returns the row, now `handed_off`.
    func handOff(_ upload: HTTPUploadRecord) async throws -> HTTPUploadRecord

    /// Runs intake's checks (hash, duplicates, probe) on a handed-off upload's job, unless they already ran.
    func check(_ upload: HTTPUploadRecord) async

    /// Each watched folder and whether the watcher follows it, for /healthz.
    func watcherHealth() async -> [WatcherHealth]

    /// A presigned GET URL of `key` in an S3 store; nil for a file store.
    func presignedURL(key: String, expiresIn seconds: Int) throws -> String?
}

public struct WatcherHealth: Codable, Sendable, Equatable {
    public var name: String
    public var path: String
    /// `inotify`, `poll (nfs)`, ..., `missing`, or `not running`.
    public var mode: String
    public var ok: Bool

    public init(name: String, path: String, mode: String, ok: Bool) {
        self.name = name
        self.path = path
        self.mode = mode
        self.ok = ok
    }
}
