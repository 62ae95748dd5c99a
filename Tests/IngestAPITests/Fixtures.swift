import Foundation
import TestSupport

/// Test inputs made at test time: clips from the ffmpeg CLI, the Python clients beside this file.
enum Fixtures {
    /// A real H.264/AAC clip with a test pattern (`seconds` long), written to `path`.
    static func clip(_ path: String, seconds: Int = 2, size: String = "320x240", noise: Bool = false) async throws {
        let video =
            noise
            ? "nullsrc=size=\(size):rate=25:duration=\(seconds),geq=random(1)*255:128:128"
            : "testsrc=size=\(size):rate=25:duration=\(seconds)"
        let result = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            [
                "-loglevel", "error", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i",
                "sine=frequency=440:duration=\(seconds)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                "yuv420p", "-c:a", "aac", "-shortest", path,
            ]
        )
        guard result.status == 0 else { throw Failure("ffmpeg failed: \(result.stderr)") }
    }

    static let python = "/usr/bin/env"

    /// `python3 Tests/IngestAPITests/Python/NAME args...` as a line-reading child.
    static func pythonProcess(_ script: String, _ arguments: [String]) throws -> LineProcess {
        try LineProcess(python, ["python3", scriptPath(script)] + arguments)
    }

    /// Runs a Python script to completion, awaited on a thread of its own (some run a browser for a minute).
    static func runPython(_ script: String, _ arguments: [String]) async throws -> ProcessResult {
        try await runProcessAsync(python, ["python3", scriptPath(script)] + arguments)
    }

    static func scriptPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/\(name)").path
    }

    static func sha256(_ path: String) async throws -> String {
        let result = try await runProcessAsync("/usr/bin/sha256sum", [path])
        return String(result.stdout.prefix(64))
    }

    /// Where screenshots and other artifacts go: `.build/test-artifacts/` (never committed).
    static var artifacts: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = root.appendingPathComponent(".build/test-artifacts").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
