import Foundation
import Synchronization

/// A long-running `reel-ingest run` whose log lines can be awaited.
final class AgentProcess: Sendable {
    let process: Process
    private let lines: Mutex<[String]> = Mutex([])
    private let waiters: Mutex<[(String, CheckedContinuation<String, Never>)]> = Mutex([])

    init(arguments: [String], executable: String = CLI.binary, environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        let partial = Mutex("")
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            let complete: [String] = partial.withLock { buffer in
                buffer += String(decoding: chunk, as: UTF8.self)
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            for line in complete { self.received(line) }
        }
        try process.run()
    }

    private func received(_ line: String) {
        lines.withLock { $0.append(line) }
        let ready = waiters.withLock { list -> [CheckedContinuation<String, Never>] in
            let matched = list.filter { line.contains($0.0) }.map(\.1)
            list.removeAll { line.contains($0.0) }
            return matched
        }
        for continuation in ready { continuation.resume(returning: line) }
    }

    /// Waits for a log line containing `text` (already printed or still to come).
    func waitForLine(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let existing = self.lines.withLock { $0.first { $0.contains(text) } }
                    if let existing {
                        continuation.resume(returning: existing)
                    } else {
                        self.waiters.withLock { $0.append((text, continuation)) }
                        // A line may have arrived between the two locks.
                        if let late = self.lines.withLock({ $0.first { $0.contains(text) } }) {
                            self.received(late)
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                // Release the waiter so the group can finish, then report.
                let stale = self.waiters.withLock { list -> [CheckedContinuation<String, Never>] in
                    let matched = list.filter { $0.0 == text }.map(\.1)
                    list.removeAll { $0.0 == text }
                    return matched
                }
                for continuation in stale { continuation.resume(returning: "") }
                throw TimeoutError(text: text, log: self.log)
            }
            let line = try await group.next() ?? ""
            group.cancelAll()
            guard !line.isEmpty else { throw TimeoutError(text: text, log: log) }
            return line
        }
    }

    var log: String {
        lines.withLock { $0.joined(separator: "\n") }
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// SIGTERM and wait for the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct TimeoutError: Error, CustomStringConvertible {
        var text: String
        var log: String
        var description: String { "no log line containing \"\(text)\"; log so far:\n\(log)" }
    }
}
