import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// The system calls the agent makes on paths that came from a share, by their exact bytes (`withFileSystemPath`):
/// Foundation's `FileManager` writes a `String`'s escapes as UTF-8 and so would miss a file whose name is not UTF-8.
/// Errors name the path as people read it.
public enum FileSystemCalls {
    public static func lstat(_ path: String) -> stat? {
        var info = stat()
        return path.withFileSystemPath { Glibc.lstat($0, &info) } == 0 ? info : nil
    }

    /// `stat(2)`: follows symbolic links.
    public static func statFollowingLinks(_ path: String) -> stat? {
        var info = stat()
        return path.withFileSystemPath { stat($0, &info) } == 0 ? info : nil
    }

    public static func exists(_ path: String) -> Bool {
        lstat(path) != nil
    }

    public static func remove(_ path: String) throws(Errno) {
        guard path.withFileSystemPath({ unlink($0) }) == 0 else { throw failure("delete", path) }
    }

    /// `rename(2)`: atomic within one filesystem; EXDEV across filesystems, where `move` copies instead.
    public static func rename(_ path: String, to target: String) throws(Errno) {
        let status = path.withFileSystemPath { from in target.withFileSystemPath { Glibc.rename(from, $0) } }
        guard status == 0 else { throw failure("move", path, to: target) }
    }

    /// Renames, or across filesystems copies to a temporary name beside the target, renames that, then deletes the
    /// original: the target never holds a partial file.
    public static func move(_ path: String, to target: String) throws(Errno) {
        do {
            try rename(path, to: target)
        } catch  where error.code == EXDEV {
            let temporary = target + ".reel-ingest-partial"
            try copy(path, to: temporary)
            do {
                try rename(temporary, to: target)
            } catch {
                try? remove(temporary)
                throw error
            }
            try remove(path)
        }
    }

    /// Creates `path` and its missing parents.
    public static func createDirectories(_ path: String) throws(Errno) {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if prefix.withFileSystemPath({ mkdir($0, 0o755) }) != 0 && errno != EEXIST {
                throw failure("create folder", prefix)
            }
        }
    }

    /// The whole file, or nil when it does not exist.
    public static func contents(_ path: String) throws(Errno) -> [UInt8]? {
        let fd = path.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Writes `bytes` to a temporary file beside `path`, flushes it and renames it over `path`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Errno) {
        let temporary = path + ".reel-ingest-partial"
        let fd = temporary.withFileSystemPath { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw failure("create", temporary) }
        do throws(Errno) {
            try writeAll(bytes, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw failure("flush", temporary) }
            close(fd)
            try rename(temporary, to: path)
        } catch {
            close(fd)
            try? remove(temporary)
            throw error
        }
    }

    /// Where a symbolic link points, as stored in it.
    public static func linkTarget(_ path: String) throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = path.withFileSystemPath { readlink($0, &buffer, buffer.count - 1) }
        guard count >= 0 else { throw failure("read link", path) }
        return FileSystemName.decode(buffer[0..<count].map { UInt8(bitPattern: $0) })
    }

    /// The absolute path with every symbolic link resolved (`realpath(3)`).
    public static func resolved(_ path: String) throws(Errno) -> String {
        guard let pointer = path.withFileSystemPath({ realpath($0, nil) }) else { throw failure("resolve", path) }
        defer { free(pointer) }
        return String(fileSystemName: pointer)
    }

    static func copy(_ path: String, to target: String) throws(Errno) {
        let input = path.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        guard input >= 0 else { throw failure("open", path) }
        defer { close(input) }
        let output = target.withFileSystemPath { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard output >= 0 else { throw failure("create", target) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { break }
            try writeAll(Array(buffer[0..<count]), to: output, path: target)
        }
        guard fsync(output) == 0 else { throw failure("flush", target) }
    }

    static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw failure("write", path) }
            offset += written
        }
    }

    static func failure(_ operation: String, _ path: String, to target: String? = nil) -> Errno {
        let code = errno
        let what = target.map { "\(path.readablePath) to \($0.readablePath)" } ?? path.readablePath
        return Errno(code: code, operation: "\(operation) \(what)")
    }
}
