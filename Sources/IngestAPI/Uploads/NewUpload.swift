import Foundation
import IngestCore

/// A new upload, checked before any byte is written: a file name the watcher would take, a watch folder that
/// exists, a size within `limits.max_file_size` and the free space, and only the platform's metadata fields.
struct NewUpload: Sendable {
    var filename: String
    var watch: WatchConfig
    var size: Int64
    /// JSON object of the platform's fields, as a job's `metadata`.
    var metadataJSON: String

    /// The platform's metadata fields; tags and customerAccess come as lists (tus sends them comma-separated).
    struct Metadata: Codable, Sendable, Equatable {
        var title: String?
        var description: String?
        var machineModel: String?
        var process: String?
        var tags: [String]?
        var customerAccess: [String]?
    }

    static let textLimit = 2000

    init(
        filename rawName: String?,
        watchName: String?,
        size: Int64?,
        metadata: Metadata,
        config: AgentConfig
    ) throws(APIError) {
        guard let rawName, !rawName.isEmpty else {
            throw APIError.badRequest("the upload needs a file name (tus metadata \"filename\", or \"filename\")")
        }
        // Only the last component of whatever path a browser or client sends.
        let base = rawName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let name = base.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name != ".", name != "..", name.utf8.count <= 240,
            !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else {
            throw APIError.badRequest("file name \"\(rawName.prefix(80))\" cannot be used: give the video's own name")
        }
        let enabled = config.watches.filter(\.enabled)
        let watch: WatchConfig
        if let watchName, !watchName.isEmpty {
            guard let found = enabled.first(where: { $0.name == watchName }) else {
                let known = enabled.map(\.name).joined(separator: ", ")
                throw APIError.badRequest("no watched folder named \"\(watchName)\" (known: \(known))")
            }
            watch = found
        } else {
            guard let first = enabled.first else {
                throw APIError(.conflict, "the agent watches no folder to upload into: add one with `watch add`")
            }
            watch = first
        }
        let rules = IgnoreRules(extensions: config.limits.extensions, globs: watch.ignore)
        guard !rules.ignores(fileName: name) else {
            let extensions = config.limits.extensions.joined(separator: ", ")
            throw APIError.badRequest(
                "\(name) is not a name the agent takes: use a video extension (\(extensions)), no leading dot "
                    + "or temporary suffix"
            )
        }
        guard let size, size > 0 else {
            throw APIError.badRequest("the upload needs its size in bytes (tus Upload-Length, or \"size\")")
        }
        guard size <= config.limits.maxFileSize else {
            let limit = Units.formatBytes(config.limits.maxFileSize)
            throw APIError(
                .contentTooLarge,
                "\(Units.formatBytes(size)) exceeds the limit of \(limit) (limits.max_file_size)"
            )
        }
        for (key, value) in [
            ("title", metadata.title), ("description", metadata.description),
            ("machineModel", metadata.machineModel), ("process", metadata.process),
        ] {
            if let value, value.count > Self.textLimit {
                throw APIError.badRequest("\(key) is longer than \(Self.textLimit) characters")
            }
        }
        for (key, list) in [("tags", metadata.tags), ("customerAccess", metadata.customerAccess)] {
            if let list, list.count > 100 || list.contains(where: { $0.count > 200 }) {
                throw APIError.badRequest("\(key) takes at most 100 entries of 200 characters")
            }
        }
        var fields = metadata
        if (fields.title ?? "").isEmpty { fields.title = (name as NSString).deletingPathExtension }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(fields)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        self.filename = name
        self.watch = watch
        self.size = size
        self.metadataJSON = json
    }

    /// From tus `Upload-Metadata` keys.
    static func metadata(fromTus fields: [String: String]) -> Metadata {
        func list(_ key: String) -> [String]? {
            fields[key].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                .map { $0.filter { !$0.isEmpty } }
        }
        func text(_ key: String) -> String? { fields[key].flatMap { $0.isEmpty ? nil : $0 } }
        return Metadata(
            title: text("title"),
            description: text("description"),
            machineModel: text("machineModel"),
            process: text("process"),
            tags: list("tags"),
            customerAccess: list("customerAccess")
        )
    }
}
