import Foundation
import TestSupport

/// scripts/fault-proxy.py: answers the first `failures` requests with 503 SlowDown, then forwards to `upstream`.
/// Started per test, stopped by PID.
final class FaultProxy {
    let endpoint: String
    private let process: Process

    init(upstream: String, failures: Int) throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/fault-proxy.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, upstream, String(failures)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The proxy prints its port once it listens: wait for that line, not for a fixed time.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard Int(port) != nil else {
            process.terminate()
            throw ProcessFailure(command: "fault-proxy.py", result: ProcessResult(status: -1, stdout: port, stderr: ""))
        }
        endpoint = "http://127.0.0.1:\(port)"
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: a child started from a Dispatch thread inherits its blocked signal mask, so SIGTERM may never arrive.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
