import Foundation
import IngestCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `<executable> probe FILE --json` with a timeout. Exit 0 with JSON: media; exit 1: rejected with
/// the first line of stderr as the reason; anything else (signal, timeout, no such program): unavailable.
/// A crash inside libav takes down the child, never the daemon.
public struct SubprocessProber: MediaProber {
    public let executable: String
    /// The agent's configuration file, so the probe applies the same limits (containers, size, duration).
    public let configFile: String?
    public let timeout: Duration

    public init(executable: String, configFile: String? = nil, timeout: Duration = .seconds(30)) {
        self.executable = executable
        self.configFile = configFile
        self.timeout = timeout
    }

    /// `reel-ingest-media` next to the running executable, if it exists.
    public static func besideCurrentExecutable(
        configFile: String?,
        timeout: Duration = .seconds(30)
    ) -> SubprocessProber? {
        let candidate = SiblingExecutable.mediaWorker
        guard access(candidate, X_OK) == 0 else { return nil }
        return SubprocessProber(executable: candidate, configFile: configFile, timeout: timeout)
    }

    public func probe(_ path: String) async -> ProbeOutcome {
        let executable = executable
        let arguments = ["probe", path, "--json"] + (configFile.map { ["--config", $0] } ?? [])
        let seconds = timeout.timeInterval
        return await withCheckedContinuation { continuation in
            // A thread of its own: waiting on a child must not occupy one of Dispatch's few pool threads
            // (on Linux the global queues are as wide as the core count), nor the cooperative pool.
            let thread = Thread {
                continuation.resume(returning: Self.run(executable, arguments: arguments, timeout: seconds))
            }
            thread.name = "reel-ingest probe"
            thread.start()
        }
    }

    static func run(_ executable: String, arguments: [String], timeout: Double) -> ProbeOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .unavailable(reason: "cannot run \(executable): \(error.localizedDescription)")
        }
        KillPoint.midProbe.reached()
        let timedOut = Mutex(false)
        let pid = process.processIdentifier
        // Cancelled when the child ends, so that nothing of this probe waits for the timeout.
        let killer = DeadlineTimer(label: "reel-ingest.probe-timeout") {
            timedOut.withLock { $0 = true }
            kill(pid, SIGKILL)
        }
        killer.schedule(at: Date().addingTimeInterval(timeout))
        // The probe writes little to stderr, so reading stdout to its end first cannot deadlock; a child
        // that fills stderr anyway is killed at the timeout.
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        killer.cancel()
        if timedOut.withLock({ $0 }) {
            return .unavailable(reason: "probe timed out after " + String(format: "%g", timeout) + " s")
        }
        switch (process.terminationReason, process.terminationStatus) {
        case (.exit, 0):
            let container = Self.container(inJSON: stdout) ?? "unknown"
            return .media(container: container, summary: stdout)
        case (.exit, 1):
            // The reason is the last line: a library may warn before it (libgcrypt's "using insecure memory!"
            // where mlock is denied).
            let reason = stderr.split(separator: "\n").last.map(String.init) ?? "not a video file"
            return .rejected(reason: Self.strippingProgramName(reason))
        case (.exit, let status):
            return .unavailable(reason: "probe exited with status \(status): \(stderr)")
        default:
            return .unavailable(reason: "probe crashed (signal \(process.terminationStatus))")
        }
    }

    /// "reel-ingest-media: not a video file" → "not a video file".
    static func strippingProgramName(_ line: String) -> String {
        for prefix in ["reel-ingest-media: ", "reel-ingest: "] where line.hasPrefix(prefix) {
            return String(line.dropFirst(prefix.count))
        }
        return line
    }

    static func container(inJSON text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        return object["container"] as? String
    }
}
