import Foundation
import IngestCore

/// Carries out a watch's `on_success` / `on_failure` on a source file, and writes the plain-words
/// `<name>.error.txt` the person at the workstation reads. The sidecar and the note travel with the file.
public struct SourceActionExecutor: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// `take 1.mp4` → `take 1.mp4.error.txt`.
    public static func errorNotePath(for path: String) -> String {
        path + ".error.txt"
    }

    /// The directory a `move:DIR` action points at: relative to the watch root unless absolute.
    public func directory(_ dir: String) -> String {
        dir.hasPrefix("/") ? dir : root + "/" + dir
    }

    /// Writes the error note next to `path` and returns its path.
    @discardableResult
    public func writeErrorNote(for path: String, problem: String, advice: String) throws -> String {
        let name = (path as NSString).lastPathComponent.readablePath
        let text = """
            reel-ingest could not take "\(name)".

            What was wrong: \(problem)
            What to do: \(advice)

            Written \(ISO8601DateFormatter().string(from: Date())) by the reel-ingest agent.

            """
        let note = Self.errorNotePath(for: path)
        try FileSystemCalls.writeAtomically(Array(text.utf8), to: note)
        return note
    }

    /// Applies `action` to `path`. Returns where the file is afterwards (nil when deleted).
    /// Callers run `on_success` only after the outputs are published.
    @discardableResult
    public func apply(_ action: SourceAction, to path: String) throws -> String? {
        let companions = [SourceMetadata.sidecarPath(for: path), Self.errorNotePath(for: path)]
            .filter(FileSystemCalls.exists)
        switch action {
        case .keep:
            return path
        case .delete:
            try FileSystemCalls.remove(path)
            for companion in companions where !companion.hasSuffix(".error.txt") {
                try? FileSystemCalls.remove(companion)
            }
            return nil
        case .move(let dir):
            // Keep the folders below the root so the metadata they carry survives the move.
            let relative =
                path.hasPrefix(root + "/")
                ? String(path.dropFirst(root.count + 1))
                : (path as NSString)
                    .lastPathComponent
            let target = Self.freeName(directory(dir) + "/" + relative)
            try FileSystemCalls.createDirectories((target as NSString).deletingLastPathComponent)
            try FileSystemCalls.move(path, to: target)
            for companion in companions {
                let suffix = String(companion.dropFirst((path as NSString).deletingPathExtension.count))
                let moved =
                    companion.hasSuffix(".error.txt")
                    ? Self.errorNotePath(for: target) : (target as NSString).deletingPathExtension + suffix
                try? FileSystemCalls.move(companion, to: moved)
            }
            return target
        }
    }

    /// `dir/a.mp4`, or `dir/a (2).mp4` when taken.
    static func freeName(_ path: String) -> String {
        guard FileSystemCalls.exists(path) else { return path }
        let base = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        for n in 2... {
            let candidate = "\(base) (\(n))" + (ext.isEmpty ? "" : ".\(ext)")
            if !FileSystemCalls.exists(candidate) { return candidate }
        }
        return path
    }
}
