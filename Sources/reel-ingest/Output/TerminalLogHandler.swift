import Foundation
import IngestCore
import Logging

/// The agent's log for a person at a terminal (`make run`): time, the job and its file first, the event, then the
/// rest; a published video's locations on lines of their own. Only used when stderr is a terminal; otherwise the
/// plain one-line-per-event format stays, for journald, files and tests. Values and the message are escaped the same
/// way (`LogText`): the only line breaks are the handler's own.
struct TerminalLogHandler: LogHandler {
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

    /// `text` followed by spaces up to `width` (never cut).
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// The documented locations of a published video, in the order a person looks for them.
    private static let locations = [
        ("manifest", "video.json"), ("hls", "HLS"), ("dash", "DASH"), ("mp4", "MP4"), ("poster", "poster"),
    ]

    func log(event: LogEvent) {
        let (level, message) = (event.level, event.message)
        var fields = metadata.merging(event.metadata ?? [:]) { $1 }
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        var text = formatter.string(from: Date()) + "  "
        if level >= .warning { text += level.rawValue.uppercased() + "  " }
        if let job = fields.removeValue(forKey: "job") {
            text += Self.pad("job " + LogText.value("\(job)"), 8)
        }
        let path = fields.removeValue(forKey: "path").map { "\($0)" }
        // The state name says what `event` would.
        fields["event"] = nil
        text += Self.pad(LogText.message("\(message)"), 14)
        if let path { text += " " + LogText.value((path as NSString).lastPathComponent) }
        var extra: [String] = []
        for (key, label) in Self.locations where "\(message)" == "published" {
            if let value = fields.removeValue(forKey: key) {
                extra.append("          " + Self.pad(label, 11) + LogText.value("\(value)"))
            }
        }
        let rest = fields.sorted { $0.key < $1.key }.map { LogText.value($0.key) + "=" + LogText.value("\($0.value)") }
            .joined(separator: " ")
        if !rest.isEmpty { text += "  " + rest }
        let output = ([text] + extra).joined(separator: "\n") + "\n"
        Self.lock.withLock { FileHandle.standardError.write(Data(output.utf8)) }
    }
}
