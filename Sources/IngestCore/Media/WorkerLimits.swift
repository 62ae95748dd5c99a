/// Resource limits of a transcode worker, handed over in its environment (`REEL_INGEST_WORKER_LIMITS`) and applied
/// by the worker itself first thing, before it opens any file or starts a thread: threads inherit the nice level,
/// and there is no window in which libav runs unlimited.
public struct WorkerLimits: Sendable, Equatable {
    public static let environmentKey = "REEL_INGEST_WORKER_LIMITS"

    /// RLIMIT_AS, bytes.
    public var addressSpace: Int64?
    /// RLIMIT_CPU, seconds (the kernel sends SIGXCPU at the limit).
    public var cpuSeconds: Int64?
    /// Nice level, 0...19.
    public var nice: Int?

    public init(addressSpace: Int64? = nil, cpuSeconds: Int64? = nil, nice: Int? = nil) {
        self.addressSpace = addressSpace
        self.cpuSeconds = cpuSeconds
        self.nice = nice
    }

    /// `as=8589934592,cpu=14400,nice=10`.
    public var environmentValue: String {
        var parts: [String] = []
        if let addressSpace { parts.append("as=\(addressSpace)") }
        if let cpuSeconds { parts.append("cpu=\(cpuSeconds)") }
        if let nice { parts.append("nice=\(nice)") }
        return parts.joined(separator: ",")
    }

    /// nil for text that is not a list of known `key=number` pairs.
    public init?(environmentValue text: String) {
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Int64(pair[1]), value >= 0 else { return nil }
            switch pair[0] {
            case "as": addressSpace = value
            case "cpu": cpuSeconds = value
            case "nice": nice = Int(min(value, 19))
            default: return nil
            }
        }
    }
}
