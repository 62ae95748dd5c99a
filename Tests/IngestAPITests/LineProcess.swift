import Foundation
import Synchronization

/// A child process whose output lines (stdout and stderr together) can be awaited as they arrive: the daemon's log,
/// a Python client printing one JSON object per line.
final class LineProcess: Sendable {
    let process: Process
    private let lines = Mutex<[String]>([])
    private let waiters = Mutex<[(id: Int, match: @Sendable (String) -> Bool, CheckedContinuation<String?, Never>)]>([])
    private let nextWaiter = Mutex(0)
    /// The exit status once known, or who waits for it.
    private let exit = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["REEL_INGEST_CONFIG"] = nil
        env["PYTHONUNBUFFERED"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let partial = Mutex("")
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard !chunk.isEmpty else {
                // End of file: without this the handler fires again and again (a busy loop on Linux).
                handle.readabilityHandler = nil
                let rest = partial.withLock { buffer in
                    defer { buffer = "" }
                    return buffer
                }
                if !rest.isEmpty { self?.received(rest) }
                return
            }
            guard let self else { return }
            let complete: [String] = partial.withLock { buffer in
                buffer += String(decoding: chunk, as: UTF8.self)
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            for line in complete { self.received(line) }
        }
        // Foundation's waitUntilExit spins a run loop at full CPU; the termination handler costs nothing.
        process.terminationHandler = { [weak self] finished in self?.exited(finished.terminationStatus) }
        try process.run()
    }

    private func exited(_ status: Int32) {
        let waiters = exit.withLock { state in
            state.status = status
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    private func received(_ line: String) {
        lines.withLock { $0.append(line) }
        let ready = waiters.withLock { list -> [CheckedContinuation<String?, Never>] in
            let matched = list.filter { $0.match(line) }
            list.removeAll { $0.match(line) }
            return matched.map(\.2)
        }
        for continuation in ready { continuation.resume(returning: line) }
    }

    var output: [String] { lines.withLock { $0 } }
    var log: String { output.joined(separator: "\n") }

    /// The first line (already printed or still to come) that `match` accepts.
    func waitForLine(
        timeout: Duration = .seconds(60),
        _ what: String,
        where match: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        let id = nextWaiter.withLock {
            $0 += 1
            return $0
        }
        let line = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    self.waiters.withLock { $0.append((id, match, continuation)) }
                    if let existing = self.lines.withLock({ $0.first(where: match) }) {
                        let mine = self.waiters.withLock { list -> CheckedContinuation<String?, Never>? in
                            guard let index = list.firstIndex(where: { $0.id == id }) else { return nil }
                            return list.remove(at: index).2
                        }
                        mine?.resume(returning: existing)
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                let mine = self.waiters.withLock { list -> CheckedContinuation<String?, Never>? in
                    guard let index = list.firstIndex(where: { $0.id == id }) else { return nil }
                    return list.remove(at: index).2
                }
                mine?.resume(returning: nil)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let line else { throw Timeout(what: what, log: log) }
        return line
    }

    func waitForLine(containing text: String, timeout: Duration = .seconds(60)) async throws -> String {
        try await waitForLine(timeout: timeout, text) { $0.contains(text) }
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit and returns the status.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = exit.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var log: String
        var description: String { "timed out waiting for \(what); output so far:\n\(log.suffix(6000))" }
    }
}
