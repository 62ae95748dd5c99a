import IngestCore

/// What a watched tree reports, whether it is seen through inotify or by polling.
public enum FolderChange: Sendable {
    /// A regular file was written and closed, moved in, or found by a scan.
    case file(FileObservation)
    /// A file is being written (IN_MODIFY): it is not taken before its writer closes it, however long
    /// the writer pauses. Only inotify can tell; polling relies on the settle time alone.
    case writing(path: String)
    /// A symbolic link appeared; links are never followed, the watcher decides whether to reject it.
    case symlink(path: String)
    /// A file was deleted or moved out.
    case removed(path: String)
    /// A directory and everything below it was deleted or moved out.
    case removedTree(path: String)
    /// A scan of `root`: `complete` when it covers the whole tree (start-up, overflow, poll), so that any
    /// pending file not in it is gone; a new directory's scan only adds.
    case scanned(TreeScanner.Result, root: String, complete: Bool)
    /// The kernel dropped events (IN_Q_OVERFLOW); a full rescan follows.
    case overflow
    /// No more inotify watches (`fs.inotify.max_user_watches`): the tree must be polled instead.
    case watchLimitReached(Errno)
    /// The watched folder itself was deleted, moved or unmounted.
    case rootGone
}
