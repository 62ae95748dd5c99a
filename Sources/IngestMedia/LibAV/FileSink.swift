import Foundation

/// Where a muxer's bytes go: one file at a time, switched between fragments, so one fMP4 muxer writes an init
/// segment and then one file per media segment. Plain POSIX writes; counts the bytes of the current file.
final class FileSink {
    private var fd: Int32 = -1
    private(set) var path: String?
    private(set) var bytesWritten: Int64 = 0
    /// The first write error, reported by the muxer call that triggered it.
    private(set) var failure: Int32 = 0

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Closes the current file and starts writing `path`.
    func switchTo(_ path: String) throws(AVError) {
        try finishFile()
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw AVError(code: AVError.posix(errno), operation: "create \(path)") }
        fd = opened
        self.path = path
        bytesWritten = 0
    }

    /// Closes the current file; returns its size.
    @discardableResult
    func finishFile() throws(AVError) -> Int64 {
        guard fd >= 0 else { return 0 }
        let size = bytesWritten
        let result = close(fd)
        fd = -1
        if result != 0 { throw AVError(code: AVError.posix(errno), operation: "close \(path ?? "")") }
        return size
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
        bytesWritten += Int64(count)
        return Int32(count)
    }
}
