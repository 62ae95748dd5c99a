/// Where published objects go: `s3://bucket/prefix` or `file:///dir`.
public enum StoreLocation: Sendable, Equatable {
    case s3(bucket: String, prefix: String)
    case file(directory: String)

    /// Parses a store URL; the prefix keeps no leading or trailing `/`.
    public init?(_ url: String) {
        if url.hasPrefix("s3://") {
            let rest = url.dropFirst("s3://".count)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bucket = parts.first, !bucket.isEmpty else { return nil }
            let prefix = parts.count > 1 ? String(parts[1]) : ""
            self = .s3(bucket: String(bucket), prefix: Self.trimSlashes(prefix))
        } else if url.hasPrefix("file:///") {
            let path = String(url.dropFirst("file://".count))
            self = .file(directory: path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
        } else {
            return nil
        }
    }

    /// `prefix/name`, or `name` when the prefix is empty.
    public static func join(_ prefix: String, _ name: String) -> String {
        let prefix = trimSlashes(prefix)
        let name = trimSlashes(name)
        if prefix.isEmpty { return name }
        if name.isEmpty { return prefix }
        return prefix + "/" + name
    }

    static func trimSlashes(_ text: String) -> String {
        var text = Substring(text)
        while text.hasPrefix("/") { text = text.dropFirst() }
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
