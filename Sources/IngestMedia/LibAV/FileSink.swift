import Crypto
import Foundation

/// Where a muxer's bytes go: one file at a time, switched between fragments, so one fMP4 muxer writes an init
/// segment and then one file per media segment. Plain POSIX writes; counts and hashes the bytes of the current
/// file as they pass, so a finished segment's SHA-256 costs no second read.
final class FileSink {
    private var fd: Int32 = -1
    private(set) var path: String?
    private(set) var bytesWritten: Int64 = 0
    private var hasher = SHA256()
    /// The first write error, reported by the muxer call that triggered it.
    private(set) var failure: Int32 = 0

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Closes the current file (without syncing it) and starts writing `path`.
    func switchTo(_ path: String) throws(AVError) {
        try finishFile(durable: false)
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw AVError(code: AVError.posix(errno), operation: "create \(path)") }
        fd = opened
        self.path = path
        bytesWritten = 0
        hasher = SHA256()
    }

    /// Closes the current file and returns its size and SHA-256. `durable`: the file and its directory entry are
    /// on disk before this returns (fsync), so a checkpoint may name it.
    @discardableResult
    func finishFile(durable: Bool) throws(AVError) -> WrittenFile {
        guard fd >= 0 else { return WrittenFile(bytes: 0, sha256: "") }
        let written = WrittenFile(bytes: bytesWritten, sha256: hasher.finalize().hex)
        let name = path ?? ""
        if durable, fsync(fd) != 0 {
            let code = errno
            close(fd)
            fd = -1
            throw AVError(code: AVError.posix(code), operation: "sync \(name)")
        }
        let result = close(fd)
        fd = -1
        if result != 0 { throw AVError(code: AVError.posix(errno), operation: "close \(name)") }
        if durable { try DurableFile.syncDirectory(of: name) }
        return written
    }

    /// Called from libav's write callback; returns a libav status.
    func write(_ buffer: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        guard fd >= 0 else {
            failure = AVError.posix(EBADF)
            return failure
        }
        var offset = 0
        while offset < count {
            let n = Foundation.write(fd, buffer + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = AVError.posix(errno)
                return failure
            }
            offset += n
        }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count))
        bytesWritten += Int64(count)
        return Int32(count)
    }
}

/// Size and SHA-256 (lowercase hex) of a file just written.
struct WrittenFile: Sendable, Equatable {
    var bytes: Int64
    var sha256: String
}

/// Whole-file writes that are on disk when they return, for files a checkpoint names (thumbnails).
enum DurableFile {
    static func write(_ data: Data, to path: String) throws(AVError) -> WrittenFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AVError(code: AVError.posix(errno), operation: "create \(path)") }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = Foundation.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        guard failure == 0 else { throw AVError(code: AVError.posix(failure), operation: "write \(path)") }
        try syncDirectory(of: path)
        return WrittenFile(bytes: Int64(data.count), sha256: SHA256.hash(data: data).hex)
    }

    /// fsync of the directory holding `path`, so a new file's name survives a power cut.
    static func syncDirectory(of path: String) throws(AVError) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AVError(code: AVError.posix(errno), operation: "open \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw AVError(code: AVError.posix(errno), operation: "sync \(directory)") }
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, two digits a byte.
    var hex: String {
        map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
