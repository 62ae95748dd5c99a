import Foundation
import Synchronization

/// The built executables, next to the test bundle in the build directory (`REEL_INGEST_BIN` overrides).
public enum TestBinaries {
    public static var reelIngest: String {
        if let override = ProcessInfo.processInfo.environment["REEL_INGEST_BIN"] { return override }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("reel-ingest").path
    }
}

/// A long-running `reel-ingest run` whose log lines can be awaited.
public final class AgentProcess: Sendable {
    public let process: Process
    private let lines: Mutex<[String]> = Mutex([])
    private let waiters: Mutex<[(Waiter, CheckedContinuation<String, Never>)]> = Mutex([])

    /// What a waiting test looks for in a line.
    struct Waiter: Sendable {
        let id = UUID()
        let texts: [String]
        func matches(_ line: String) -> Bool { texts.allSatisfy { line.contains($0) } }
    }

    public init(
        arguments: [String],
        executable: String = TestBinaries.reelIngest,
        environment: [String: String] = [:]
    ) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["REEL_INGEST_CONFIG"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
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
        process.terminationHandler = { [weak self] finished in self?.exited(finished.terminationStatus) }
        try process.run()
    }

    private func received(_ line: String) {
        lines.withLock { $0.append(line) }
        notify(line)
    }

    /// Wakes the waiters `line` satisfies.
    private func notify(_ line: String) {
        let ready = waiters.withLock { list -> [CheckedContinuation<String, Never>] in
            let matched = list.filter { $0.0.matches(line) }.map(\.1)
            list.removeAll { $0.0.matches(line) }
            return matched
        }
        for continuation in ready { continuation.resume(returning: line) }
    }

    /// Waits for a log line containing `text` (already printed or still to come).
    public func waitForLine(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        try await waitForLine(containingAll: [text], timeout: timeout)
    }

    /// Waits until `condition` holds for the lines printed so far, checking again at each new line.
    public func waitUntil(timeout: Duration, _ condition: @Sendable ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = lines.withLock { $0 }
            if condition(seen) { return }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw TimeoutError(text: "condition on the log", log: log) }
            _ = try? await waitForLine(afterLine: seen.count, timeout: left)
        }
    }

    /// Waits for line number `index` (0-based) of the log: the next line after the ones already seen.
    public func waitForLine(afterLine index: Int, timeout: Duration = .seconds(30)) async throws -> String {
        try await waitForLine(containingAll: [], after: index, timeout: timeout)
    }

    /// Waits for a log line containing every one of `texts`, in any order (already printed or still to come).
    public func waitForLine(containingAll texts: [String], timeout: Duration = .seconds(30)) async throws -> String {
        try await waitForLine(containingAll: texts, after: 0, timeout: timeout)
    }

    /// Lines before `after` do not count.
    private func waitForLine(containingAll texts: [String], after: Int, timeout: Duration) async throws -> String {
        let waiter = Waiter(texts: texts)
        let text = texts.joined(separator: " + ")
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let existing = self.lines.withLock { $0.dropFirst(after).first { waiter.matches($0) } }
                    if let existing {
                        continuation.resume(returning: existing)
                    } else {
                        self.waiters.withLock { $0.append((waiter, continuation)) }
                        // A line may have arrived between the two locks.
                        if let late = self.lines.withLock({ $0.dropFirst(after).first { waiter.matches($0) } }) {
                            self.notify(late)
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                // Release the waiter so the group can finish, then report.
                let stale = self.waiters.withLock { list -> [CheckedContinuation<String, Never>] in
                    let matched = list.filter { $0.0.id == waiter.id }.map(\.1)
                    list.removeAll { $0.0.id == waiter.id }
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

    public var log: String {
        lines.withLock { $0.joined(separator: "\n") }
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    public var pid: Int32 { process.processIdentifier }

    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` and waits for the exit status, or nil when the process is still running after `timeout`.
    public func exit(after signal: Int32, timeout: Duration) async -> Int32? {
        kill(process.processIdentifier, signal)
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let status = self.exitState.withLock { state -> Int32? in
                        if let status = state.status { return status }
                        state.waiters.append(continuation)
                        return nil
                    }
                    if let status { continuation.resume(returning: status) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil {
                // The timeout won: release the exit waiter with whatever is known.
                let waiters = exitState.withLock { state in
                    defer { state.waiters.removeAll() }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume(returning: nil) }
            }
            return first
        }
    }

    private struct ExitState {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32?, Never>] = []
    }

    private let exitState = Mutex(ExitState())

    private func exited(_ status: Int32) {
        let waiters = exitState.withLock { state in
            state.status = status
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    /// SIGTERM and wait for the exit status.
    @discardableResult
    public func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    public struct TimeoutError: Error, CustomStringConvertible {
        var text: String
        var log: String
        public var description: String { "no log line containing \"\(text)\"; log so far:\n\(log)" }
    }
}
