import Foundation

/// Makes a clip with the ffmpeg CLI, the independent producer of test media.
func ffmpeg(_ arguments: [String]) throws {
    let result = try Tool.run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
    guard result.status == 0 else { throw ToolFailure(tool: "ffmpeg", result: result) }
}

/// ffprobe's JSON for a file or manifest: the independent reader of what we write.
func ffprobe(_ arguments: [String]) throws -> [String: Any] {
    let result = try Tool.run("/usr/bin/ffprobe", ["-v", "error", "-of", "json"] + arguments)
    guard result.status == 0 else { throw ToolFailure(tool: "ffprobe", result: result) }
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
}

struct ToolFailure: Error, CustomStringConvertible {
    var tool: String
    var result: Tool.Result
    var description: String { "\(tool) exited \(result.status): \(result.stderr)" }
}

enum Tool {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The media worker built next to the test bundle.
    static var worker: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("reel-ingest-media").path
    }

    /// The repository root (the package directory), found from this source file.
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
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
        // Drain stderr on another thread so a chatty child cannot block on a full pipe.
        let errReader = PipeReader(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errReader.wait(), as: UTF8.self)
        )
    }
}

/// Reads a handle to its end on a background thread.
final class PipeReader: @unchecked Sendable {
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
