import Crypto
import Foundation

/// tus's checksum extension: `Upload-Checksum: <algorithm> <base64 digest>` of the request's body.
struct UploadChecksum: Sendable {
    enum Algorithm: String, CaseIterable, Sendable {
        case sha1
        case sha256
        case md5
    }

    static let supported = Algorithm.allCases.map(\.rawValue).joined(separator: ",")

    var algorithm: Algorithm
    var expected: Data

    /// Parses the header; a malformed value or an unknown algorithm is the client's error (400).
    init(header: String) throws(APIError) {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else {
            throw APIError.badRequest("Upload-Checksum must be \"ALGORITHM BASE64\", such as \"sha1 2jmj7l5r...\"")
        }
        guard let algorithm = Algorithm(rawValue: parts[0].lowercased()) else {
            throw APIError.badRequest("checksum algorithm \(parts[0]) is not supported (use \(Self.supported))")
        }
        guard let expected = Data(base64Encoded: String(parts[1])) else {
            throw APIError.badRequest("the Upload-Checksum digest is not valid base64")
        }
        self.algorithm = algorithm
        self.expected = expected
    }

    /// Accumulates the body's digest as it streams in.
    struct Hasher: Sendable {
        private enum State: Sendable {
            case sha1(Insecure.SHA1)
            case sha256(SHA256)
            case md5(Insecure.MD5)
        }
        private var state: State

        init(_ algorithm: Algorithm) {
            switch algorithm {
            case .sha1: state = .sha1(Insecure.SHA1())
            case .sha256: state = .sha256(SHA256())
            case .md5: state = .md5(Insecure.MD5())
            }
        }

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            switch state {
            case .sha1(var h):
                h.update(bufferPointer: bytes)
                state = .sha1(h)
            case .sha256(var h):
                h.update(bufferPointer: bytes)
                state = .sha256(h)
            case .md5(var h):
                h.update(bufferPointer: bytes)
                state = .md5(h)
            }
        }

        func finalize() -> Data {
            switch state {
            case .sha1(let h): Data(h.finalize())
            case .sha256(let h): Data(h.finalize())
            case .md5(let h): Data(h.finalize())
            }
        }
    }
}
