import Foundation
import TestSupport

/// scripts/fault-proxy.py: answers the first `failures` requests with 503 SlowDown, then forwards to `upstream`,
/// logging each forwarded request to `log` when given, holding each one for `delay` first when given. Started per
/// test, stopped by PID.
final class FaultProxy {
    let endpoint: String
    private let process: Process
    private let log: String?

    /// With `delay`, `held` (when given) gets a line per request once its body is read, before it is held.
    init(upstream: String, failures: Int, log: String? = nil, delay: Duration? = nil, held: String? = nil) throws {
        self.log = log
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/fault-proxy.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, upstream, String(failures)] + (log.map { [$0] } ?? [])
        if let delay {
            var environment = ProcessInfo.processInfo.environment
            let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
            environment["FAULT_PROXY_DELAY_MS"] = String(milliseconds)
            if let held { environment["FAULT_PROXY_HELD"] = held }
            process.environment = environment
        }
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

    /// The requests forwarded so far (needs `log`): method, path, checksum headers, XML body.
    func requests() -> [[String: Any]] {
        guard let log, let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return jsonLines(text)
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: a child started from a Dispatch thread inherits its blocked signal mask, so SIGTERM may never arrive.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
