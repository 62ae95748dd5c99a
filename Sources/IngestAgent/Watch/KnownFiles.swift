import IngestCore

/// The file versions of one watch already taken (or refused), by path, so that a version seen again is not queued
/// twice. A path deleted or moved out is forgotten with its versions: the set follows the files in the folder, not
/// the agent's whole history (with `on_success = "delete"` or `"move:…"` it grew by every file ever taken).
struct KnownFiles {
    private var byPath: [String: Set<FileObservation>] = [:]

    init(_ versions: Set<FileObservation> = []) {
        for version in versions { byPath[version.path, default: []].insert(version) }
    }

    func contains(_ file: FileObservation) -> Bool { byPath[file.path]?.contains(file) == true }

    mutating func insert(_ file: FileObservation) { byPath[file.path, default: []].insert(file) }

    /// The file at `path` is gone.
    mutating func forget(_ path: String) { byPath[path] = nil }

    /// The folder at `path` is gone, with everything below it.
    mutating func forget(under folder: String) {
        let prefix = folder + "/"
        byPath = byPath.filter { !$0.key.hasPrefix(prefix) }
    }

    /// Paths under `root` that are not in `present` (a complete scan's listing) are gone.
    mutating func keep(under root: String, only present: Set<String>) {
        let prefix = root + "/"
        byPath = byPath.filter { !$0.key.hasPrefix(prefix) || present.contains($0.key) }
    }

    var paths: Int { byPath.count }
}
