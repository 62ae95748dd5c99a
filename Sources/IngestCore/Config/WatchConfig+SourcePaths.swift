/// Where a watch's files are, as the job store keeps them: relative to the watch's folder, so that agents which
/// mount one share at different paths name each file the same way and each opens it under its own mount. A path
/// outside the folder (a source `on_failure` moved elsewhere, a row written before paths were relative) stays
/// absolute; the leading `/` tells the two apart.
extension WatchConfig {
    /// The store's name for `local`, a path on this machine.
    public func storedPath(_ local: String) -> String {
        // Scalar by scalar, not by Swift's canonical equivalence: paths are bytes (see `FileSystemName`).
        let root = (path.hasSuffix("/") ? path : path + "/").unicodeScalars
        let scalars = local.unicodeScalars
        guard scalars.count > root.count, scalars.starts(with: root) else { return local }
        return String(String.UnicodeScalarView(scalars.dropFirst(root.count)))
    }

    /// Whether `local` names the watch's folder itself.
    public func isRoot(_ local: String) -> Bool {
        func trimmed(_ path: String) -> Substring {
            var path = Substring(path)
            while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
            return path
        }
        return trimmed(local) == trimmed(path)
    }

    /// This machine's path for `stored`, a path as the store keeps it.
    public func localPath(_ stored: String) -> String {
        guard !stored.hasPrefix("/") else { return stored }
        return path.hasSuffix("/") ? path + stored : path + "/" + stored
    }
}

extension AgentConfig {
    /// This machine's path of a job's source: nil when the path is relative to a watch this agent does not have.
    public func localSourcePath(_ stored: String, watch name: String?) -> String? {
        guard !stored.hasPrefix("/") else { return stored }
        return watches.first { $0.name == name }?.localPath(stored)
    }

    /// A job's source for people: this agent's path where it has the job's watch, else the path the store keeps
    /// (relative to the watch's folder); bytes that are not UTF-8 read `\xHH`.
    public func readableSource(_ stored: String, watch name: String?) -> String {
        (localSourcePath(stored, watch: name) ?? stored).readablePath
    }
}
