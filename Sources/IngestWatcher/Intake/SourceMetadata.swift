import Foundation
import IngestCore

/// The platform's metadata fields for one source: first from the folders it sits in (the watch's
/// `metadata_template`), then overridden by a `<name>.json` sidecar next to it.
public enum SourceMetadata {
    public struct SidecarError: Error, Equatable, CustomStringConvertible {
        public var sidecar: String
        public var problem: String
        public var description: String { "sidecar \(sidecar): \(problem)" }
    }

    /// `relativePath` is the file's path below the watch root (`M-200/welding/take 1.mp4`).
    /// Template segments map to folder names in order; `{title}` defaults to the file name without extension.
    public static func fromTemplate(_ template: String?, relativePath: String) -> [String: String] {
        var components = relativePath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let fileName = components.popLast() ?? relativePath
        var fields: [String: String] = [:]
        if let template {
            let segments = template.split(separator: "/", omittingEmptySubsequences: true)
            for (segment, folder) in zip(segments, components) {
                guard segment.hasPrefix("{"), segment.hasSuffix("}") else { continue }
                fields[String(segment.dropFirst().dropLast())] = folder.readablePath
            }
        }
        if fields["title"] == nil {
            fields["title"] = (fileName as NSString).deletingPathExtension.readablePath
        }
        return fields
    }

    /// The sidecar of `path`: `take 1.mp4` → `take 1.json`.
    public static func sidecarPath(for path: String) -> String {
        (path as NSString).deletingPathExtension + ".json"
    }

    /// The template fields overridden by the sidecar (when there is one), as a JSON object text.
    public static func resolve(template: String?, root: String, path: String) throws(SidecarError) -> String {
        let relative = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
        var object: [String: Any] = fromTemplate(template, relativePath: relative)
        if let tags = object["tags"] as? String {
            object["tags"] = tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let sidecar = sidecarPath(for: path)
        let contents: [UInt8]?
        do {
            contents = try FileSystemCalls.contents(sidecar)
        } catch {
            throw SidecarError(sidecar: sidecar.readablePath, problem: error.description)
        }
        if let contents {
            for (key, value) in try parseSidecar(Data(contents), name: sidecar.readablePath) { object[key] = value }
        }
        guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: json, as: UTF8.self)
    }

    /// Only the platform's fields, with the types the platform expects; anything else is a clear error.
    static func parseSidecar(_ data: Data, name: String) throws(SidecarError) -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw SidecarError(sidecar: name, problem: "not valid JSON (\(Self.reason(error)))")
        }
        guard let object = parsed as? [String: Any] else {
            throw SidecarError(sidecar: name, problem: "expected a JSON object such as {\"title\": \"...\"}")
        }
        for (key, value) in object {
            switch key {
            case "title", "description", "machineModel", "process":
                guard value is String else { throw SidecarError(sidecar: name, problem: "\"\(key)\" must be a string") }
            case "tags":
                guard value is [String] else {
                    throw SidecarError(sidecar: name, problem: "\"tags\" must be a list of strings")
                }
            case "customerAccess":
                guard value is Bool || value is String || value is [String] else {
                    throw SidecarError(
                        sidecar: name,
                        problem: "\"customerAccess\" must be true/false, a string or a list"
                    )
                }
            default:
                let known = WatchConfig.templateFields.joined(separator: ", ")
                throw SidecarError(sidecar: name, problem: "unknown field \"\(key)\" (known: \(known))")
            }
        }
        return object
    }

    private static func reason(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? error.localizedDescription
    }
}
