import Foundation

/// A fresh directory under the system temp dir, removed when the value goes away.
final class CurlTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("reel-ingest-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to a new file and returns its URL.
    func file(_ name: String, bytes: [UInt8]) throws -> URL {
        let fileURL = url.appendingPathComponent(name)
        try Data(bytes).write(to: fileURL)
        return fileURL
    }

    func path(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }
}

/// `count` random bytes, 8 per generator call: one syscall per byte, in a debug build, kept both threads of the
/// cooperative pool busy for tens of seconds at test start and starved every other suite.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            var word = generator.next()
            let take = min(8, buffer.count - offset)
            withUnsafeBytes(of: &word) { source in
                buffer.baseAddress!.advanced(by: offset).copyMemory(from: source.baseAddress!, byteCount: take)
            }
            offset += take
        }
    }
    return bytes
}

func contents(of url: URL) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: url))
}
