import Foundation

/// A log line of `reel-ingest-media transcode --progress json` on stdout, beside progress and file lines:
/// `{"event":"log","level":"info","message":"passthrough: no (10-bit video)"}`. stderr stays reserved for the one
/// failure line, so a decision logged before a failure cannot be mistaken for its reason. `WorkerMessage.decode`
/// gives them as `.log`; the agent writes them to its own log with the job's id and file.
public struct WorkerLog: Codable, Sendable, Equatable {
    public var event = "log"
    /// info or warning.
    public var level: String
    public var message: String

    public init(level: String = "info", message: String) {
        self.level = level
        self.message = message
    }

    /// The line's JSON (no newline), keys sorted.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// nil for a line that is not a log line.
    public static func decode(_ line: Data) -> WorkerLog? {
        guard let log = try? JSONDecoder().decode(WorkerLog.self, from: line), log.event == "log" else { return nil }
        return log
    }
}
