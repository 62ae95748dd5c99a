import Foundation
import IngestCore

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

struct ProcessFailure: Error, CustomStringConvertible {
    let command: String
    let result: ProcessResult
    var description: String { "\(command) exited \(result.status): \(result.stderr)" }
}

/// Runs a command to completion, collecting its output (stderr read on another thread so neither pipe fills).
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> ProcessResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["REEL_INGEST_CONFIG"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errData = PipeCollector(err.fileHandleForReading)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData.wait(), as: UTF8.self)
    )
}

/// Reads a pipe to its end on a background thread.
final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
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
