#if canImport(Glibc)
    import Glibc
#endif

/// Which names in a watched folder are never sources: temp files of copy tools and editors,
/// OS litter, the agent's own feedback files, plus per-watch globs and the extension pre-filter.
public struct IgnoreRules: Sendable, Equatable {
    public var extensions: Set<String>
    public var globs: [String]

    public init(extensions: [String], globs: [String]) {
        self.extensions = Set(extensions.map { $0.lowercased() })
        self.globs = globs
    }

    static let tempSuffixes = [".part", ".tmp", ".crdownload", ".partial", ".download"]
    static let litter: Set<String> = ["Thumbs.db", ".DS_Store", "desktop.ini"]

    /// True when a file with this base name must not be picked up.
    public func ignores(fileName name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~$") || Self.litter.contains(name) { return true }
        let lower = name.lowercased()
        if Self.tempSuffixes.contains(where: lower.hasSuffix) { return true }
        if globs.contains(where: { fnmatch($0, name, 0) == 0 }) { return true }
        guard let dot = lower.lastIndex(of: "."), dot != lower.startIndex else { return true }
        return !extensions.contains(String(lower[lower.index(after: dot)...]))
    }

    /// Directories are descended into unless hidden or matched by a glob.
    public func ignores(directoryName name: String) -> Bool {
        name.hasPrefix(".") || globs.contains { fnmatch($0, name, 0) == 0 }
    }
}
