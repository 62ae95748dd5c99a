import IngestCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file region could not be opened or read.
public enum FileRegionError: Error, Sendable, Equatable, CustomStringConvertible {
    case openFailed(path: String, errno: Int32)
    case statFailed(path: String, errno: Int32)
    /// The requested region does not lie inside the file.
    case invalidRegion(path: String, offset: Int64, length: Int64, fileSize: Int64)
    case readFailed(path: String, errno: Int32)
    /// The file ended before the region did (it was truncated after we opened it).
    case unexpectedEndOfFile(path: String, fileOffset: Int64)
    /// A seek outside `0...length` of the region.
    case seekOutOfRange(position: Int64, length: Int64)

    public var description: String {
        switch self {
        case .openFailed(let path, let code): "cannot open \(path.readablePath): \(Self.text(code))"
        case .statFailed(let path, let code): "cannot stat \(path.readablePath): \(Self.text(code))"
        case .invalidRegion(let path, let offset, let length, let fileSize):
            "region offset \(offset) length \(length) is outside \(path.readablePath) (\(fileSize) bytes)"
        case .readFailed(let path, let code): "cannot read \(path.readablePath): \(Self.text(code))"
        case .unexpectedEndOfFile(let path, let fileOffset): "\(path.readablePath) ended early at byte \(fileOffset)"
        case .seekOutOfRange(let position, let length): "seek to \(position) outside region of \(length) bytes"
        }
    }

    private static func text(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Reads a byte range `[offset, offset + length)` of a file, for streaming one multipart part as a request body.
///
/// Uses `pread`, so the shared file offset is never touched and several readers may cover regions of the same file.
/// `position` is relative to the region start; curl rewinds through `seek(to:)` when it must resend the body.
/// Owns its file descriptor and closes it in `deinit`.
///
/// Not Sendable: it is request-body state, used by the one thread that performs the transfer.
public final class FileRegionReader {
    public let path: String
    public let offset: Int64
    public let length: Int64
    public private(set) var position: Int64 = 0
    private let fd: Int32

    /// Opens `path` and checks that the region lies inside the file. A nil `length` means "to the end of the file".
    public init(path: String, offset: Int64 = 0, length: Int64? = nil) throws(FileRegionError) {
        let fd = path.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else {
            throw .openFailed(path: path, errno: errno)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .statFailed(path: path, errno: code)
        }
        let fileSize = Int64(info.st_size)
        let regionLength = length ?? max(0, fileSize - offset)
        // Written so the sum cannot overflow: offset and length are each checked against fileSize first.
        guard offset >= 0, regionLength >= 0, offset <= fileSize, regionLength <= fileSize - offset else {
            close(fd)
            throw .invalidRegion(path: path, offset: offset, length: regionLength, fileSize: fileSize)
        }
        self.path = path
        self.offset = offset
        self.length = regionLength
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Bytes left before the end of the region.
    public var remaining: Int64 {
        length - position
    }

    /// Copies up to `buffer.count` bytes of the region at `position` and advances; returns 0 at the end of the region.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileRegionError) -> Int {
        let wanted = Int(min(Int64(buffer.count), remaining))
        guard wanted > 0, let base = buffer.baseAddress else { return 0 }
        while true {
            let count = pread(fd, base, wanted, off_t(offset + position))
            if count > 0 {
                position += Int64(count)
                return count
            }
            if count == 0 {
                // The region was inside the file at open time, so EOF here means the file shrank.
                throw .unexpectedEndOfFile(path: path, fileOffset: offset + position)
            }
            let code = errno
            if code != EINTR {
                throw .readFailed(path: path, errno: code)
            }
        }
    }

    /// Moves to `position` (relative to the region start); `length` is allowed and means "at the end".
    public func seek(to position: Int64) throws(FileRegionError) {
        guard position >= 0, position <= length else {
            throw .seekOutOfRange(position: position, length: length)
        }
        self.position = position
    }
}
