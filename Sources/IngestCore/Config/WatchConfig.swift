/// One watched folder: one drop-in file in `watches.d/`.
public struct WatchConfig: Sendable, Equatable {
    /// The drop-in's base name (`line-3` for `watches.d/line-3.toml`).
    public var name: String
    public var file: String
    public var path: String
    public var profile = "default"
    public var recursive = true
    /// `{machineModel}/{process}/{title}`: fills metadata from the folders a file sits in.
    public var metadataTemplate: String?
    /// Higher runs first.
    public var priority = 0
    public var onSuccess: SourceAction = .keep
    public var onFailure: SourceAction = .keep
    /// Extra globs to ignore, on top of the built-in temp-file patterns.
    public var ignore: [String] = []
    /// nil: 5 s on local disks, 30 s on network mounts.
    public var settleTime: Duration?
    public var mode: WatchMode = .auto
    public var enabled = true

    public init(name: String, file: String, path: String) {
        self.name = name
        self.file = file
        self.path = path
    }

    public static let templateFields = ["title", "description", "machineModel", "process", "tags", "customerAccess"]
}

/// What happens to a source file once its job ends.
public enum SourceAction: Sendable, Equatable, CustomStringConvertible {
    case keep
    case move(to: String)
    case delete

    public init?(_ text: String) {
        if text == "keep" {
            self = .keep
        } else if text == "delete" {
            self = .delete
        } else if text.hasPrefix("move:"), text.count > 5 {
            self = .move(to: String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .keep: "keep"
        case .delete: "delete"
        case .move(let dir): "move:\(dir)"
        }
    }
}

/// How changes in a folder are noticed.
public enum WatchMode: String, Sendable, Equatable, CaseIterable {
    /// inotify on local filesystems, polling on network mounts.
    case auto
    case inotify
    case poll
}
