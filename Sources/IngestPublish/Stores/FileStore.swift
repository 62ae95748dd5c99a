import Foundation
import IngestCore

/// Why the file store could not write an object.
public struct FileStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let errno: Int32

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// `file:///dir`: objects are files under `dir`. Each is written to a temporary name in the same directory,
/// fsynced, renamed over the final name and the directory fsynced, so a reader sees the old file or the whole new
/// one, never a torn one, even after a power loss.
public struct FileStore: ObjectStore {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var journalURL: String { "file://" + directory }

    public func fullKey(_ key: String) -> String { StoreLocation.join("", key) }

    public func put(file: String, key: String) async throws -> StoredObject {
        let directory = self.directory
        return try await runBlocking { () throws -> StoredObject in
            try Self.store(file: file, key: key, directory: directory)
        }
    }

    public func makeUploader() throws -> any ObjectUploader { Uploader(directory: directory) }

    struct Uploader: ObjectUploader {
        let directory: String

        func put(
            file: String,
            key: String,
            jobId: Int64?,
            isCancelled: @escaping @Sendable () -> Bool
        ) throws -> StoredObject {
            if isCancelled() { throw UploadCancelled() }
            return try FileStore.store(file: file, key: key, directory: directory)
        }
    }

    /// A folder has no compare-and-swap across the machines that may share it (NFS has no `If-Match`).
    public func probeConditionalWrites() async -> ConditionalWriteSupport {
        .unavailable("a file:// store has no conditional writes")
    }

    /// Removes the files, then folders left empty up to the store's directory.
    public func delete(_ keys: [String]) throws {
        for key in keys {
            let path = directory + "/" + StoreLocation.join("", key)
            if unlink(path) != 0 && errno != ENOENT {
                throw FileStoreError(path: path, operation: "unlink", errno: errno)
            }
            var parent = (path as NSString).deletingLastPathComponent
            while parent.count > directory.count, rmdir(parent) == 0 {
                parent = (parent as NSString).deletingLastPathComponent
            }
        }
    }

    /// Blocking copy with temp name, fsync and rename.
    public static func store(file: String, key: String, directory: String) throws -> StoredObject {
        let destination = directory + "/" + key
        let parent = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let temporary = parent + "/.\((destination as NSString).lastPathComponent).\(UUID().uuidString).tmp"
        let input = file.withFileSystemPath { open($0, O_RDONLY | O_CLOEXEC) }
        guard input >= 0 else { throw FileStoreError(path: file.readablePath, operation: "open", errno: errno) }
        defer { close(input) }
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileStoreError(path: temporary, operation: "create", errno: errno) }
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        var size: Int64 = 0
        do {
            defer { close(output) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FileStoreError(path: file, operation: "read", errno: errno)
                }
                if count == 0 { break }
                var written = 0
                while written < count {
                    let result = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw FileStoreError(path: temporary, operation: "write", errno: errno)
                    }
                    written += result
                }
                size += Int64(count)
            }
            guard fsync(output) == 0 else { throw FileStoreError(path: temporary, operation: "fsync", errno: errno) }
        }
        guard rename(temporary, destination) == 0 else {
            throw FileStoreError(path: destination, operation: "rename", errno: errno)
        }
        renamed = true
        // The rename is only durable once the directory entry is.
        let dir = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
        let md5 = try FileRegionDigest.digest(path: destination)
        return StoredObject(key: key, size: size, etag: md5.hex)
    }
}
