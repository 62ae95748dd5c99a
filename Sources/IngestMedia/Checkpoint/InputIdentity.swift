import Crypto
import Foundation
import IngestCore

/// Which source a checkpoint belongs to, cheap to recompute: size, modification time and SHA-256 of the first and
/// the last MiB (a copy, an edit or another file with the same name differs in at least one of them).
struct InputIdentity: Codable, Sendable, Equatable {
    var size: Int64
    /// Modification time in nanoseconds since 1970.
    var mtime: Int64
    var headSHA256: String
    var tailSHA256: String

    static func of(_ path: String) throws -> InputIdentity {
        let fd = path.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else {
            throw TranscodeFailure("cannot open \(path.readablePath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TranscodeFailure("cannot stat \(path.readablePath)") }
        let size = Int64(info.st_size)
        let chunk = Int64(1 << 20)
        return InputIdentity(
            size: size,
            mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            headSHA256: try hash(fd, from: 0, count: min(chunk, size)),
            tailSHA256: try hash(fd, from: max(0, size - chunk), count: min(chunk, size))
        )
    }

    private static func hash(_ fd: Int32, from offset: Int64, count: Int64) throws -> String {
        var buffer = [UInt8](repeating: 0, count: Int(count))
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw TranscodeFailure("cannot read the source: \(String(cString: strerror(errno)))") }
            done += n
        }
        return SHA256.hash(data: buffer).hex
    }
}
