import IngestCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One watched folder seen through inotify: turns raw events into `FolderChange`s. Runs on the hub's
/// reader thread, so the stat calls and the scans of new directories never touch the cooperative pool.
public final class InotifyTree: Sendable {
    public let root: String
    let recursive: Bool
    let scanner: TreeScanner
    let hub: InotifyHub
    let emit: @Sendable (FolderChange) -> Void
    private let subscription = Mutex<Int?>(nil)
    /// A directory moved away (IN_MOVED_FROM), until its IN_MOVED_TO with the same cookie says where to.
    private let movedAway = Mutex<(cookie: UInt32, path: String)?>(nil)

    /// Directories never watched nor scanned (the `move:` targets inside the tree).
    var excluded: Set<String> { scanner.excludedDirectories }

    public init(
        root: String,
        recursive: Bool,
        scanner: TreeScanner,
        hub: InotifyHub = .shared,
        emit: @escaping @Sendable (FolderChange) -> Void
    ) {
        self.root = root
        self.recursive = recursive
        self.scanner = scanner
        self.hub = hub
        self.emit = emit
    }

    /// Subscribes, adds the kernel watches, then scans: a file written between the two is seen by one or
    /// the other (or both; the stability gate and the store make that harmless).
    public func start() throws(Errno) {
        let id = try hub.subscribe(root: root) { [self] event in handle(event) }
        subscription.withLock { $0 = id }
        do {
            try hub.tools.watch(root, recursive: recursive, excluding: Array(excluded))
        } catch {
            stop()
            throw error
        }
        emit(.scanned(scanner.scan(root), root: root, complete: true))
    }

    public func stop() {
        guard
            let id = subscription.withLock({ value in
                defer { value = nil }; return value
            })
        else { return }
        hub.unsubscribe(id)
        hub.tools.unwatchTree(root)
    }

    func handle(_ event: InotifyEvent) {
        if event.mask.contains(.queueOverflow) {
            emit(.overflow)
            rewatchAndRescan()
            return
        }
        let path = event.path.hasSuffix("/") ? String(event.path.dropLast()) : event.path
        if event.name.isEmpty {
            if path == root && !event.mask.isDisjoint(with: [.deleteSelf, .moveSelf]) { emit(.rootGone) }
            return
        }
        // A directory moved away and not back into the tree: its watch goes (the cookie pairs the halves).
        if let away = movedAway.withLock({ $0 }), !(event.mask.contains(.movedTo) && event.cookie == away.cookie) {
            movedAway.withLock { $0 = nil }
            hub.tools.unwatch(away.path)
        }
        if event.mask.contains(.isDirectory) {
            handleDirectory(event, path: path)
        } else {
            handleFile(event, path: path)
        }
    }

    private func handleDirectory(_ event: InotifyEvent, path: String) {
        if !event.mask.isDisjoint(with: [.create, .movedTo]) {
            if event.mask.contains(.movedTo), let away = movedAway.withLock({ $0 }), away.cookie == event.cookie {
                // Renamed inside the tree: the kernel watches moved along, only their names change.
                movedAway.withLock { $0 = nil }
                hub.tools.renameWatches(from: away.path, to: path)
            }
            guard recursive, !scanner.rules.ignores(directoryName: event.name), !excluded.contains(path) else { return }
            // Watch first, then scan: files created in the new directory before its watch existed
            // (`mkdir -p a/b/c && cp x a/b/c/`) would otherwise be missed.
            do {
                try hub.tools.watch(path, recursive: true, excluding: Array(excluded))
            } catch {
                if error.code == ENOSPC { emit(.watchLimitReached(error)) }
            }
            emit(.scanned(scanner.scan(path), root: path, complete: false))
        } else if event.mask.contains(.movedFrom) {
            movedAway.withLock { $0 = (event.cookie, path) }
            emit(.removedTree(path: path))
        } else if event.mask.contains(.delete) {
            hub.tools.unwatch(path)
            emit(.removedTree(path: path))
        }
    }

    private func handleFile(_ event: InotifyEvent, path: String) {
        guard !scanner.rules.ignores(fileName: event.name) else { return }
        if !event.mask.isDisjoint(with: [.delete, .movedFrom]) {
            emit(.removed(path: path))
            return
        }
        if event.mask.contains(.modify) && !event.mask.contains(.closeWrite) {
            emit(.writing(path: path))
            return
        }
        guard !event.mask.isDisjoint(with: [.closeWrite, .movedTo, .create]) else { return }
        var info = stat()
        guard path.withFileSystemPath({ lstat($0, &info) }) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            emit(.symlink(path: path))
        case S_IFREG where !event.mask.contains(.create):
            // A created file is still being written: its close-write follows.
            emit(.file(FileObservation(path: path, stat: info)))
        default:
            return
        }
    }

    /// After an overflow the library's watch table may lack directories created meanwhile.
    private func rewatchAndRescan() {
        do {
            try hub.tools.watch(root, recursive: recursive, excluding: Array(excluded))
        } catch {
            if error.code == ENOSPC { emit(.watchLimitReached(error)) }
        }
        emit(.scanned(scanner.scan(root), root: root, complete: true))
    }
}
