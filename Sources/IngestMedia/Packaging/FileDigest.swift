import Crypto
import Foundation
import IngestCore

/// Size and SHA-256 of a written file, read in 1 MiB chunks so memory does not grow with the file.
enum FileDigest {
    static func describe(_ relativePath: String, in directory: String) throws -> VideoManifest.File {
        let path = directory + "/" + relativePath
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
        let hex = hasher.finalize().map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return VideoManifest.File(path: relativePath, bytes: bytes, sha256: hex)
    }
}
