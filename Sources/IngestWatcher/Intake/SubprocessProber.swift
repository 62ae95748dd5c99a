import Foundation
import IngestCore

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
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidate = exe.deletingLastPathComponent().appendingPathComponent("reel-ingest-media").path
        guard access(candidate, X_OK) == 0 else { return nil }
        return SubprocessProber(executable: candidate, configFile: configFile, timeout: timeout)
    }

    public func probe(_ path: String) async -> ProbeOutcome {
        let executable = executable
        let arguments = ["probe", path, "--json"] + (configFile.map { ["--config", $0] } ?? [])
        let seconds = timeout.timeInterval
        return await withCheckedContinuation { continuation in
            // Process and its wait block: keep them off the cooperative pool.
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Self.run(executable, arguments: arguments, timeout: seconds))
            }
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
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do {
            try process.run()
        } catch {
            return .unavailable(reason: "cannot run \(executable): \(error.localizedDescription)")
        }
        // Drain both pipes while the child runs so a chatty child cannot block on a full pipe.
        let collected = PipeCollector(out: out, err: err)
        if done.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            done.wait()
            return .unavailable(reason: "probe timed out after " + String(format: "%g", timeout) + " s")
        }
        let (stdout, stderr) = collected.finish()
        switch (process.terminationReason, process.terminationStatus) {
        case (.exit, 0):
            let container = Self.container(inJSON: stdout) ?? "unknown"
            return .media(container: container, summary: stdout)
        case (.exit, 1):
            let reason = stderr.split(separator: "\n").first.map(String.init) ?? "not a video file"
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

/// Reads a child's stdout and stderr to the end on background threads.
final class PipeCollector: @unchecked Sendable {
    // Written once by each reader before `group` is left; read only after `group.wait()`.
    private var out = Data()
    private var err = Data()
    private let group = DispatchGroup()

    init(out: Pipe, err: Pipe) {
        group.enter()
        DispatchQueue.global(qos: .utility).async {
            self.out = out.fileHandleForReading.readDataToEndOfFile()
            self.group.leave()
        }
        group.enter()
        DispatchQueue.global(qos: .utility).async {
            self.err = err.fileHandleForReading.readDataToEndOfFile()
            self.group.leave()
        }
    }

    func finish() -> (String, String) {
        group.wait()
        return (
            String(decoding: out, as: UTF8.self),
            String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
