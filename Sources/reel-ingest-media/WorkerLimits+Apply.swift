import Foundation
import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

extension WorkerLimits {
    /// Applies the limits in `REEL_INGEST_WORKER_LIMITS` to this process; an unreadable value or a refused limit is
    /// an error (the daemon asked for it, so running without it would be a surprise).
    static func applyFromEnvironment() throws(Failure) {
        guard let text = ProcessInfo.processInfo.environment[environmentKey], !text.isEmpty else { return }
        guard let limits = WorkerLimits(environmentValue: text) else {
            throw Failure("reel-ingest: error: \(environmentKey) is not valid: \(text)")
        }
        if let bytes = limits.addressSpace { try set(RLIMIT_AS, UInt(bytes), name: "address space") }
        if let seconds = limits.cpuSeconds { try set(RLIMIT_CPU, UInt(seconds), name: "CPU time") }
        if let nice = limits.nice, setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(nice)) != 0 {
            throw Failure("reel-ingest: error: cannot set nice level \(nice): \(String(cString: strerror(errno)))")
        }
    }

    private static func set(_ resource: __rlimit_resource, _ value: UInt, name: String) throws(Failure) {
        var limit = rlimit(rlim_cur: value, rlim_max: value)
        guard setrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0 else {
            throw Failure("reel-ingest: error: cannot limit the \(name): \(String(cString: strerror(errno)))")
        }
    }
}
