import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a file that held still is a whole video container or one a writer has not finished: a recorder writing
/// over SMB that pauses longer than the settle time leaves a file whose size stops changing halfway. Only the
/// container's own structure is read (box and element headers, the last packet), a few bytes at a time, so the
/// check costs microseconds on a local disk. Formats it does not know are passed on: the probe decides those.
public enum ContainerCompleteness {
    public enum Verdict: Sendable, Equatable {
        /// Whole, as far as its structure tells, or a format this check does not know.
        case complete
        /// Not finished: why, in words for the log and the note left beside a file truncated for good.
        case incomplete(String)
    }

    /// Reads the file at `path` (its exact bytes). A file that cannot be opened is passed on as complete: intake's
    /// own reads report that error.
    public static func check(path: String) -> Verdict {
        guard let file = FileBytes(path: path) else { return .complete }
        return check(file)
    }

    public static func check(_ bytes: some ByteSource) -> Verdict {
        let head = bytes.read(at: 0, count: 12)
        if head.count >= 8, ISOBoxes.startsLikeOne(head) { return ISOBoxes.check(bytes) }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return Matroska.check(bytes) }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("AVI ".utf8) {
            return RIFF.check(bytes)
        }
        if let packet = TransportStream.packetSize(bytes) { return TransportStream.check(bytes, packet: packet) }
        return .complete
    }
}

/// Random access to a file's bytes (or, in tests and the fuzzer, an array's).
public protocol ByteSource {
    var size: Int64 { get }
    /// Up to `count` bytes from `offset`; fewer at the end of the data.
    func read(at offset: Int64, count: Int) -> [UInt8]
}

public struct InMemoryBytes: ByteSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var size: Int64 { Int64(bytes.count) }
    public func read(at offset: Int64, count: Int) -> [UInt8] {
        guard offset >= 0, offset < size, count > 0 else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + count)])
    }
}

/// An open file read with `pread`; closed when the last copy goes.
final class FileBytes: ByteSource {
    private let fd: Int32
    let size: Int64

    init?(path: String) {
        let fd = path.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
        self.size = Int64(info.st_size)
    }

    deinit { close(fd) }

    func read(at offset: Int64, count: Int) -> [UInt8] {
        guard offset >= 0, count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            done += got
        }
        return Array(buffer[0..<done])
    }
}

extension [UInt8] {
    /// Big-endian unsigned integer of `count` bytes from `start`.
    func bigEndian(_ start: Int, _ count: Int) -> UInt64 {
        self[start..<start + count].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
