/// One thing wrong with the configuration: which file, which key, what is wrong.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Dotted key path (`storage.part_size`), or nil when the whole file is at fault.
    public var key: String?
    public var problem: String

    public init(file: String, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        if let key { return "\(file): \(key): \(problem)" }
        return "\(file): \(problem)"
    }
}

/// Every problem found in one load, so an admin fixes them all in one pass.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(_ issues: [ConfigIssue]) {
        self.issues = issues
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
