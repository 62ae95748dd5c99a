import Foundation

/// What a finished child process left behind.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// stdout parsed as JSON.
    public func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8))
    }
}

/// A child of the test process with this process's environment plus `environment`, and `REEL_INGEST_CONFIG`
/// cleared so a developer's own setting cannot leak into a test.
public func childProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["REEL_INGEST_CONFIG"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    return process
}

/// Runs a command to completion (`childProcess`), collecting its output. stderr is drained on another thread so
/// neither pipe can fill and block the child.
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> ProcessResult
{
    let process = childProcess(executable, arguments, environment: environment)
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

/// Reads a pipe to its end on a thread of its own (not a Dispatch worker: on Linux there are only as many as cores,
/// and a few children writing slowly would hold up every GRDB access and Dispatch-based wait in the test process).
public final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        let thread = Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
        thread.start()
    }

    public func wait() -> Data {
        done.wait()
        return data
    }
}

/// `runProcess` on a thread of its own, awaited: a test must never block the cooperative pool (two threads on a
/// two-core machine) while a child runs, or every other suite in the process stalls behind it.
public func runProcessAsync(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = [:]
) async throws -> ProcessResult {
    let result: Result<ProcessResult, any Error> = await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: Result { try runProcess(executable, arguments, environment: environment) })
        }
        thread.start()
    }
    return try result.get()
}
