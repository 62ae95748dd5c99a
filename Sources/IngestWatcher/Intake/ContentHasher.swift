import Crypto
import Foundation
import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// Streams a file once through SHA-256 with a fixed buffer, so memory stays bounded whatever the file size.
/// Blocking: call it from a worker thread (`runBlocking`), never from the cooperative pool.
public enum ContentHasher {
    public static let bufferSize = 1 << 20

    /// The lowercase hex digest of the file's content.
    public static func sha256(path: String) throws(Errno) -> String {
        let fd = path.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Errno(code: errno, operation: "open \(path.readablePath)") }
        defer { close(fd) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, bufferSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw Errno(code: errno, operation: "read \(path.readablePath)")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            KillPoint.midHash.reached()
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
