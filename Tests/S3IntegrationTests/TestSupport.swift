import Foundation
import IngestCore
import TestSupport

struct ProcessFailure: Error, CustomStringConvertible {
    let command: String
    let result: ProcessResult
    var description: String { "\(command) exited \(result.status): \(result.stderr)" }
}

extension TempDirectory {
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

/// CRC-32s of a multipart object computed by Python's zlib from the file alone: each part's (base64 of the big-endian
/// value, as in `x-amz-checksum-crc32`), and S3's composite, the CRC-32 of the parts' big-endian CRC-32s.
func crc32s(_ file: String, partSize: Int64) throws -> (parts: [String], composite: String) {
    let script = """
        import base64, sys, zlib
        size = int(sys.argv[2])
        crcs = []
        with open(sys.argv[1], "rb") as f:
            while chunk := f.read(size):
                crcs.append(zlib.crc32(chunk).to_bytes(4, "big"))
        for crc in crcs + [zlib.crc32(b"".join(crcs)).to_bytes(4, "big")]:
            print(base64.b64encode(crc).decode())
        """
    let result = try runProcess("/usr/bin/env", ["python3", "-c", script, file, String(partSize)])
    guard result.status == 0 else { throw ProcessFailure(command: "python3 CRC-32", result: result) }
    let lines = result.stdout.split(separator: "\n").map(String.init)
    return (Array(lines.dropLast()), lines.last ?? "")
}

extension S3TestServer {
    /// The object's stored CRC-32 as the aws CLI reports it (`head-object --checksum-mode ENABLED`), without the
    /// `-N` part count some servers append; nil when the object has none.
    func storedCRC32(key: String) async throws -> String? {
        let head = try await aws([
            "s3api", "head-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED",
        ])
        let json = try JSONSerialization.jsonObject(with: Data(head.stdout.utf8)) as? [String: Any]
        return (json?["ChecksumCRC32"] as? String)?.split(separator: "-").first.map(String.init)
    }
}
