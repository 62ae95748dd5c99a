import Foundation
import IngestCore
import Logging

/// One line per event for journald, files and pipes, in swift-log's `StreamLogHandler` layout
/// (`TIME LEVEL LABEL: key=value … [SOURCE] message`), except that every value and the message are escaped
/// (`LogText`): a file name with a newline or quotes in it cannot start a line of its own or pass for another field.
struct PlainLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private let label: String
    private static let lock = NSLock()

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = Self.line(
            time: Self.timestamp(),
            level: event.level,
            label: label,
            fields: fields,
            source: event.source,
            message: "\(event.message)"
        )
        Self.lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func line(
        time: String,
        level: Logger.Level,
        label: String,
        fields: Logger.Metadata,
        source: String,
        message: String
    ) -> String {
        let pairs = fields.sorted { $0.key < $1.key }.map { LogText.value($0.key) + "=" + LogText.value("\($0.value)") }
        let metadata = pairs.isEmpty ? "" : " " + pairs.joined(separator: " ")
        return "\(time) \(level) \(label):\(metadata) [\(source)] \(LogText.message(message))\n"
    }

    /// Local time, as `StreamLogHandler` writes it.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
