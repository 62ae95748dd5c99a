import Foundation
import IngestCore
import TestSupport

struct ProcessFailure: Error, CustomStringConvertible {
    let command: String
    let result: ProcessResult
    var description: String { "\(command) exited \(result.status): \(result.stderr)" }
}

/// The built `reel-ingest`, next to the test bundle.
var reelIngestBinary: String {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return exe.deletingLastPathComponent().appendingPathComponent("reel-ingest").path
}

/// A temp directory removed on deinit.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("reel-ingest-s3-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `size` random bytes (from /dev/urandom, 1 MiB at a time) and returns the path.
    func randomFile(_ name: String, size: Int) throws -> String {
        let file = path + "/" + name
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? output.close() }
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        var left = size
        while left > 0 {
            let chunk = try random.read(upToCount: min(left, 1 << 20)) ?? Data()
            guard !chunk.isEmpty else { break }
            try output.write(contentsOf: chunk)
            left -= chunk.count
        }
        return file
    }

    /// An agent.toml whose state lives here and whose store is the test server.
    func config(server: S3TestServer, prefix: String) throws -> String {
        let file = path + "/agent.toml"
        let text = """
            [agent]
            state_dir = "\(path)/state"
            scratch_dir = "\(path)/scratch"
            watches_dir = "\(path)/watches.d"

            [storage]
            url = "s3://\(server.bucket)/\(prefix)"
            endpoint = "\(server.endpoint)"
            region = "\(server.region)"
            path_style = true
            abandoned_upload_ttl = "1h"
            """
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

func filesEqual(_ lhs: String, _ rhs: String) throws -> Bool {
    try runProcess("/usr/bin/cmp", ["-s", lhs, rhs]).status == 0
}

/// Parses JSON lines (the output of `push --progress json`).
func jsonLines(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}
