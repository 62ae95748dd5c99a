import Crypto
import Foundation
import IngestCore

/// Size and SHA-256 of a written file, read in 1 MiB chunks so memory does not grow with the file.
enum FileDigest {
    static func describe(_ relativePath: String, in directory: String) throws -> VideoManifest.File {
        let written = try digest(directory + "/" + relativePath)
        return VideoManifest.File(path: relativePath, bytes: written.bytes, sha256: written.sha256)
    }

    static func digest(_ path: String) throws -> WrittenFile {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TranscodeFailure("cannot read back \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        return WrittenFile(bytes: bytes, sha256: hasher.finalize().hex)
    }
}
