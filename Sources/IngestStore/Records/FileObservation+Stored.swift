import IngestCore

/// A watched file as the store names it (its path relative to the watch's folder) and back: every agent on one
/// share records and finds the same row, whatever path it mounted the share at. The device is left out of a file's
/// identity for the same reason: each machine numbers its mounts its own way, while size, modification time and
/// the inode come from the file server.
extension FileObservation {
    func stored(in watch: WatchConfig) -> FileObservation {
        var stored = self
        stored.path = watch.storedPath(path)
        return stored
    }
}

extension SourceFileRecord {
    /// This version as seen on this machine, to compare with what a scan finds.
    func observation(in watch: WatchConfig) -> FileObservation {
        FileObservation(path: watch.localPath(path), device: device, inode: inode, size: size, mtimeNs: mtimeNs)
    }
}
