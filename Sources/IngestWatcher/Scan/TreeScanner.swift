import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// Walks a watched folder with `lstat` (symlinks are reported, never followed) and returns every
/// regular file the ignore rules let through. Used at start-up, after an inotify overflow, and in poll mode.
public struct TreeScanner: Sendable {
    public var rules: IgnoreRules
    public var recursive: Bool
    /// Absolute paths of directories skipped with everything below them (`move:` targets inside the tree).
    public var excludedDirectories: Set<String>

    public init(rules: IgnoreRules, recursive: Bool, excludedDirectories: Set<String> = []) {
        self.rules = rules
        self.recursive = recursive
        self.excludedDirectories = excludedDirectories
    }

    public struct Result: Sendable {
        public var files: [FileObservation] = []
        /// Symlinks met on the way: the watcher decides what to say about them.
        public var symlinks: [String] = []
        /// Directories that could not be read, with the reason.
        public var errors: [Errno] = []
        /// False when the root itself could not be read (an unmounted share): the scan says nothing about
        /// which files are gone.
        public var rootReadable = true
    }

    public func scan(_ root: String) -> Result {
        var result = Result()
        var pending = [root]
        while let dir = pending.popLast() {
            guard let handle = dir.withFileSystemPath({ opendir($0) }) else {
                result.errors.append(Errno(code: errno, operation: "read directory \(dir.readablePath)"))
                if dir == root { result.rootReadable = false }
                continue
            }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) {
                        String(fileSystemName: $0)
                    }
                }
                if name == "." || name == ".." { continue }
                let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                var info = stat()
                guard path.withFileSystemPath({ lstat($0, &info) }) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    if recursive && !rules.ignores(directoryName: name) && !excludedDirectories.contains(path) {
                        pending.append(path)
                    }
                case S_IFREG:
                    if !rules.ignores(fileName: name) { result.files.append(FileObservation(path: path, stat: info)) }
                case S_IFLNK:
                    if !rules.ignores(fileName: name) { result.symlinks.append(path) }
                default:
                    continue
                }
            }
        }
        result.files.sort { $0.path < $1.path }
        return result
    }
}

extension FileObservation {
    public init(path: String, stat info: stat) {
        self.init(
            path: path,
            device: Int64(bitPattern: UInt64(info.st_dev)),
            inode: Int64(bitPattern: UInt64(info.st_ino)),
            size: Int64(info.st_size),
            mtimeNs: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        )
    }
}
