import Crypto
import Foundation
import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// The bearer token: read from `api.token_file` (owner-only, like the credentials file), or created once as
/// `<state_dir>/api-token` when none is configured. Only its SHA-256 is kept in memory for comparisons.
public struct APIToken: Sendable {
    let digest: SHA256.Digest
    /// Where it came from, for messages (never the token itself).
    public let path: String

    public init(token: String, path: String) {
        digest = SHA256.hash(data: Data(token.utf8))
        self.path = path
    }

    /// Reads the configured file, or the generated one (creating it with 32 random bytes, mode 600).
    public static func load(settings: APISettings, stateDir: String) throws -> APIToken {
        let path = settings.tokenFile ?? stateDir + "/api-token"
        if settings.tokenFile == nil, !FileManager.default.fileExists(atPath: path) {
            try SecretFile.create(path)
        }
        if let problem = ConfigLoader.privateFileProblem(path) {
            throw APIStartError("api.token_file: \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIStartError("api.token_file: cannot read \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
            throw APIStartError("api.token_file: \(path) must hold one token of at least 16 characters")
        }
        return APIToken(token: token, path: path)
    }

    /// Constant-time comparison of digests, so the time taken says nothing about how much of a guess was right.
    public func matches(_ candidate: Substring) -> Bool {
        let other = SHA256.hash(data: Data(candidate.utf8))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, other) { difference |= a ^ b }
        return difference == 0
    }
}

/// A file holding a random secret (hex), created once with mode 600: the generated API token, the key that signs
/// media URLs.
enum SecretFile {
    static func create(_ path: String) throws {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token = bytes.map { String(format: "%02x", $0) }.joined() + "\n"
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw APIStartError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = token.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, token.utf8.count) }
        guard written == token.utf8.count, fsync(fd) == 0 else {
            throw APIStartError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The secret in `path`, created first when missing.
    static func readOrCreate(_ path: String) throws -> String {
        if !FileManager.default.fileExists(atPath: path) { try create(path) }
        if let problem = ConfigLoader.privateFileProblem(path) { throw APIStartError(problem) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIStartError("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The API cannot start (bad token file, port taken): the message says what to fix.
public struct APIStartError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
