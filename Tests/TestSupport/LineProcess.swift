import Foundation
import Synchronization

/// A child process whose output lines (stdout and stderr together, as they arrive) can be awaited: the agent's log,
/// `jobs watch`, a Python client printing one JSON object per line (unbuffered), the fault proxy (`childProcess`).
public final class LineProcess: Sendable {
    public let process: Process
    private let lines = Mutex<[String]>([])
    /// Who awaits a line: one that `match` accepts, at index `after` or later.
    private let lineWaiters = Mutex<[(after: Int, match: @Sendable (String) -> Bool, line: OneShot<String>)]>([])
    /// The exit status once known, and who awaits it.
    private let exitState = Mutex<(status: Int32?, waiters: [OneShot<Int32>])>((nil, []))

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process = childProcess(
            executable,
            arguments,
            environment: ["PYTHONUNBUFFERED": "1"].merging(environment) { $1 }
        )
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        // A thread of its own reads the pipe until end of file. (A `readabilityHandler` is a dispatch source on the
        // pipe's descriptor: with many children starting and ending at once, libdispatch's event loop crashed the
        // test process on a descriptor closed and reused under a source not yet cancelled.)
        let output = pipe.fileHandleForReading
        Thread.detachNewThread { [weak self] in
            var partial = ""
            while true {
                let chunk = output.availableData
                guard !chunk.isEmpty else { break }
                partial += String(decoding: chunk, as: UTF8.self)
                var parts = partial.components(separatedBy: "\n")
                partial = parts.removeLast()
                // Read on whether or not anyone still listens: a child must never block on a full pipe.
                for line in parts { self?.received(line) }
            }
            if !partial.isEmpty { self?.received(partial) }
        }
        // Foundation's waitUntilExit spins a run loop at full CPU; the termination handler costs nothing.
        process.terminationHandler = { [weak self] finished in self?.exited(finished.terminationStatus) }
        try process.run()
    }

    private func received(_ line: String) {
        let index = lines.withLock { lines in
            lines.append(line)
            return lines.count - 1
        }
        let ready = lineWaiters.withLock { list -> [OneShot<String>] in
            let matched = list.filter { index >= $0.after && $0.match(line) }
            list.removeAll { index >= $0.after && $0.match(line) }
            return matched.map(\.line)
        }
        for waiter in ready { waiter.deliver(line) }
    }

    private func exited(_ status: Int32) {
        let waiters = exitState.withLock { state in
            state.status = status
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.deliver(status) }
    }

    public var output: [String] { lines.withLock { $0 } }
    public var log: String { output.joined(separator: "\n") }

    /// Waits for a line containing `text` (already printed or still to come).
    public func waitForLine(containing text: String, timeout: Duration = .seconds(60)) async throws -> String {
        try await awaitLine(after: 0, "a line containing \"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    /// Waits for a line containing every one of `texts`, in any order (already printed or still to come).
    public func waitForLine(containingAll texts: [String], timeout: Duration = .seconds(60)) async throws -> String {
        let what = "a line containing \"\(texts.joined(separator: "\" + \""))\""
        return try await awaitLine(after: 0, what, timeout: timeout) { line in texts.allSatisfy { line.contains($0) } }
    }

    /// Waits for the first line `match` accepts (already printed or still to come); `what` names it in a timeout.
    public func waitForLine(
        timeout: Duration = .seconds(60),
        _ what: String,
        where match: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        try await awaitLine(after: 0, what, timeout: timeout, match: match)
    }

    /// Waits for line number `index` (0-based): the next line after the ones already seen.
    public func waitForLine(afterLine index: Int, timeout: Duration = .seconds(60)) async throws -> String {
        try await awaitLine(after: index, "line \(index + 1)", timeout: timeout) { _ in true }
    }

    /// Waits until `condition` holds for the lines printed so far, checking again at each new line.
    public func waitUntil(timeout: Duration, _ condition: @Sendable ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = output
            if condition(seen) { return }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw Timeout(what: "a condition on the output", log: log) }
            _ = try? await waitForLine(afterLine: seen.count, timeout: left)
        }
    }

    /// The first line at `after` or later that `match` accepts.
    private func awaitLine(
        after: Int,
        _ what: String,
        timeout: Duration,
        match: @escaping @Sendable (String) -> Bool
    ) async throws -> String {
        let waiter = OneShot<String>()
        lineWaiters.withLock { $0.append((after, match, waiter)) }
        // A line printed already, or between the two locks, counts too; the first delivery wins.
        if let printed = lines.withLock({ $0.dropFirst(after).first(where: match) }) { waiter.deliver(printed) }
        let line = await waiter.wait(timeout: timeout)
        lineWaiters.withLock { $0.removeAll { $0.line === waiter } }
        guard let line else { throw Timeout(what: what, log: log) }
        return line
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }
    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Waits for the exit and returns the status.
    public func waitForExit() async -> Int32 {
        // Without a timeout there is always a status.
        await exitStatus(timeout: nil) ?? -1
    }

    /// The exit status, or nil when the process is still running after `timeout`.
    public func waitForExit(timeout: Duration) async -> Int32? {
        await exitStatus(timeout: timeout)
    }

    /// Sends `signal` and waits for the exit status, or nil when the process is still running after `timeout`.
    public func exit(after signal: Int32, timeout: Duration) async -> Int32? {
        self.signal(signal)
        return await exitStatus(timeout: timeout)
    }

    private func exitStatus(timeout: Duration?) async -> Int32? {
        let waiter = OneShot<Int32>()
        let known = exitState.withLock { state -> Int32? in
            if state.status == nil { state.waiters.append(waiter) }
            return state.status
        }
        if let known { return known }
        let status = await waiter.wait(timeout: timeout)
        exitState.withLock { $0.waiters.removeAll { $0 === waiter } }
        return status
    }

    /// SIGTERM and wait for the exit status.
    @discardableResult
    public func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    public struct Timeout: Error, CustomStringConvertible {
        var what: String
        var log: String
        public var description: String { "timed out waiting for \(what); output so far:\n\(log.suffix(12000))" }
    }
}

/// A value handed over once to one waiting task, whether it comes before or after the wait starts. The first
/// delivery wins, so a timeout (delivering nil) and the value can never both resume the waiter.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Value?, Never>?)
        case delivered(Value?)
    }

    private let state = Mutex<State>(.waiting(nil))

    func deliver(_ value: Value?) {
        let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .delivered(value)
            return continuation
        }
        waiter?.resume(returning: value)
    }

    /// The value, or nil when `timeout` passes (or the waiting task is cancelled) first.
    func wait(timeout: Duration?) async -> Value? {
        await withTaskGroup(of: Void.self) { group in
            if let timeout {
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    self.deliver(nil)
                }
            }
            let value: Value? = await withCheckedContinuation { continuation in
                let delivered = state.withLock { state -> (done: Bool, value: Value?) in
                    if case .delivered(let value) = state { return (true, value) }
                    state = .waiting(continuation)
                    return (false, nil)
                }
                if delivered.done { continuation.resume(returning: delivered.value) }
            }
            group.cancelAll()
            return value
        }
    }
}
