import IngestCore

/// Why a worker's job failed. Its text is the one line recorded on the job; its case decides what the pipeline does
/// (a full disk waits for room, the rest count as a failed attempt) and the failure's kind.
public enum WorkerFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No worker process could be made (a pipe, the spawn).
    case cannotStart(String)
    /// It ran past the job's time limit (as the configuration writes it: `2h`).
    case timedOut(after: String)
    case killed(signal: Int32)
    /// It exited with a failure: its last line on stderr (empty when it printed none).
    case exited(status: Int32, reason: String)
    /// Its output's filesystem is full (`WorkerExitStatus.outOfSpace`).
    case outOfSpace(reason: String)

    /// What an ended worker means: nil for success, a failure otherwise. `expired`: its time limit was reached (it
    /// was killed for it).
    static func of(exit: ChildProcess.Exit, expired: Bool, limit: String, stderr: String) -> WorkerFailure? {
        if expired { return .timedOut(after: limit) }
        let reason = stderr.split(separator: "\n").last.map(String.init) ?? ""
        switch exit {
        case .status(WorkerExitStatus.success): return nil
        case .status(WorkerExitStatus.outOfSpace): return .outOfSpace(reason: reason)
        case .status(let code): return .exited(status: code, reason: reason)
        case .signal(let signal): return .killed(signal: signal)
        }
    }

    public var description: String {
        switch self {
        case .cannotStart(let reason): reason
        case .timedOut(let limit): "timed out after \(limit)"
        case .killed(let signal): "worker killed by signal \(signal)"
        case .exited(let status, let reason): reason.isEmpty ? "worker exited with status \(status)" : reason
        case .outOfSpace(let reason): reason.isEmpty ? "the worker's disk is full" : reason
        }
    }

    var kind: FailureKind {
        switch self {
        case .timedOut: .timeout
        case .killed: .workerSignal
        case .cannotStart, .exited: .worker
        case .outOfSpace: .storage
        }
    }
}
