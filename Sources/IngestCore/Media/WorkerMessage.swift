import Foundation

/// One line `reel-ingest-media transcode --progress json` prints on stdout: a progress report, or an output file
/// that is complete and will not change again (so the daemon can upload it while the rest is still encoding).
public enum WorkerMessage: Sendable, Equatable {
    case progress(TranscodeProgress)
    case file(OutputFile)
    /// What the worker decided or noticed (passthrough, resume), for the agent's log.
    case log(WorkerLog)

    /// `{"event":"file","path":"v1080/seg_00003.m4s","bytes":2519044}`; the path is relative to the output folder.
    public struct OutputFile: Codable, Sendable, Equatable {
        public var event = "file"
        public var path: String
        public var bytes: Int64

        public init(path: String, bytes: Int64) {
            self.path = path
            self.bytes = bytes
        }
    }

    /// The line's JSON (no newline), snake_case keys, sorted.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch self {
        case .progress(let progress): return (try? encoder.encode(progress)) ?? Data()
        case .file(let file): return (try? encoder.encode(file)) ?? Data()
        case .log(let log): return log.encoded()
        }
    }

    /// nil for a line that is neither (a stray print must not fail a job).
    public static func decode(_ line: Data) -> WorkerMessage? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        if let file = try? decoder.decode(OutputFile.self, from: line), file.event == "file" { return .file(file) }
        if let log = WorkerLog.decode(line) { return .log(log) }
        if let progress = try? decoder.decode(TranscodeProgress.self, from: line) { return .progress(progress) }
        return nil
    }
}
