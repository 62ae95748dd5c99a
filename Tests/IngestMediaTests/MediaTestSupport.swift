import Foundation
import IngestCore
import TestSupport

/// Makes a clip with the ffmpeg CLI, the independent producer of test media.
func ffmpeg(_ arguments: [String]) async throws {
    let result = try await Tool.run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
    guard result.status == 0 else { throw ToolFailure(tool: "ffmpeg", result: result) }
}

/// ffprobe's JSON for a file or manifest: the independent reader of what we write.
func ffprobe(_ arguments: [String]) async throws -> [String: Any] {
    let result = try await Tool.run("/usr/bin/ffprobe", ["-v", "error", "-of", "json"] + arguments)
    guard result.status == 0 else { throw ToolFailure(tool: "ffprobe", result: result) }
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
}

/// ffmpeg's PSNR (dB) between two pictures of the same size: the independent judge of "same picture".
func psnr(_ a: String, _ b: String) async throws -> Double {
    let result = try await Tool.run(
        "/usr/bin/ffmpeg",
        ["-hide_banner", "-i", a, "-i", b, "-lavfi", "psnr", "-f", "null", "-"]
    )
    guard let range = result.stderr.range(of: "average:") else { throw ToolFailure(tool: "psnr", result: result) }
    let value = result.stderr[range.upperBound...].prefix { $0 != " " }
    return value == "inf" ? 100 : Double(value) ?? 0
}

struct ToolFailure: Error, CustomStringConvertible {
    var tool: String
    var result: Tool.Result
    var description: String { "\(tool) exited \(result.status): \(result.stderr)" }
}

enum Tool {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The media worker built next to the test bundle.
    static var worker: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("reel-ingest-media").path
    }

    /// Runs a tool to its end on a Dispatch thread: waiting for a child must not hold one of the cooperative
    /// pool's few threads, which the other suites' async tests need.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> Result
    {
        try await runBlocking { () throws -> Result in try runNow(executable, arguments, environment: environment) }
    }

    private static func runNow(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> Result
    {
        let result = try runProcess(executable, arguments, environment: environment)
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}
