import Foundation

extension SQLiteStore {
    /// One machine: an advisory `flock` on a file beside the database (`reel-ingest.sqlite.NAME.lock`), released
    /// by the kernel when the process dies.
    public func exclusively<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T? {
        let lockPath = path + "." + name + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError.lockFailed(path: lockPath, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return nil }
            throw StoreError.lockFailed(path: lockPath, reason: String(cString: strerror(errno)))
        }
        return try await body()
    }
}
