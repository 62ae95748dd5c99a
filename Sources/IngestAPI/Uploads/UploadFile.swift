import Foundation
import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// The file an upload's bytes go to. Every call blocks (write, fsync), so callers run it through `runBlocking`.
final class UploadFile: @unchecked Sendable {
    // Used by one request at a time (UploadStore's busy set guarantees it); never shared concurrently.
    private let fd: Int32
    let path: String

    /// Opens for writing at `offset`, cutting off bytes past it that were never acknowledged.
    init(path: String, offset: Int64) throws(UploadIOError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UploadIOError("open", path) }
        guard ftruncate(fd, off_t(offset)) == 0, lseek(fd, off_t(offset), SEEK_SET) == offset else {
            let error = UploadIOError("truncate", path)
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Creates an empty file (owner-only) and makes its directory entry durable.
    static func create(_ path: String) throws(UploadIOError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UploadIOError("create", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw UploadIOError("fsync", path) }
        try syncDirectory(of: path)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(UploadIOError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw UploadIOError("write", path)
            }
            done += n
        }
    }

    /// Makes every byte written so far durable: only then is an offset acknowledged.
    func sync() throws(UploadIOError) {
        guard fdatasync(fd) == 0 else { throw UploadIOError("fsync", path) }
    }

    /// Drops bytes past `offset` (a chunk whose checksum did not match).
    func truncate(to offset: Int64) throws(UploadIOError) {
        guard ftruncate(fd, off_t(offset)) == 0 else { throw UploadIOError("truncate", path) }
        try sync()
    }

    static func syncDirectory(of path: String) throws(UploadIOError) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw UploadIOError("open", dir) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw UploadIOError("fsync", dir) }
    }

    /// Bytes free for an unprivileged writer on the filesystem holding `path`.
    static func freeBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}

/// A failed system call on an upload's file, with errno and its text.
struct UploadIOError: Error, CustomStringConvertible {
    var description: String
    var code: Int32
    init(_ call: String, _ path: String) {
        code = errno
        description = "\(call) \(path): \(String(cString: strerror(code)))"
    }

    /// The filesystem (or the owner's quota) is full: the machine's condition, not the upload's.
    var isNoRoom: Bool { code == ENOSPC || code == EDQUOT }
}
