import IngestCore

extension InotifyTree {
    /// One folder's changes as an `AsyncSequence`: the start-up scan first, then every change inotify reports.
    /// The watches are removed when the consumer stops iterating. (The agent merges many folders into one
    /// stream through the `emit` callback instead.)
    public static func changes(
        root: String,
        recursive: Bool,
        scanner: TreeScanner,
        hub: InotifyHub = .shared
    ) throws(Errno) -> AsyncStream<FolderChange> {
        let (stream, continuation) = AsyncStream<FolderChange>.makeStream()
        let tree = InotifyTree(root: root, recursive: recursive, scanner: scanner, hub: hub) { change in
            continuation.yield(change)
        }
        continuation.onTermination = { _ in tree.stop() }
        try tree.start()
        return stream
    }
}
