import IngestCore

/// What kind of thing made an attempt fail: the `kind` label of `reel_ingest_errors_total` and the analytics rows'
/// detail. A new kind is a compile error in every switch until it is handled.
enum FailureKind: String, Sendable, CaseIterable {
    /// The worker ran past the job's time limit.
    case timeout
    /// The worker was killed by a signal (out of memory, a crash, an admin).
    case workerSignal = "worker-signal"
    /// The worker could not start, exited with an error, or left its outputs incomplete.
    case worker
    /// The probe could not run or its answer could not be read (a source it refuses is a rejection, no failure).
    case probe
    /// The configuration no longer has what the job names (its profile, its watch).
    case config
    /// The store, or reading back what is to be stored.
    case storage
    case other
}

/// Why a stage failed, as the one line recorded on the job, and its kind. A full scratch disk is no failure of the
/// job: it is `NoRoom`, and the job waits.
struct StageFailure: Error, Sendable, CustomStringConvertible {
    let description: String
    let kind: FailureKind

    init(_ description: String, kind: FailureKind = .other) {
        self.description = description
        self.kind = kind
    }
}

/// The source can never work: reject, do not retry.
struct StageRejection: Error, Sendable {
    let reason: String
    let advice: String
}

/// The scratch disk cannot hold a job's outputs now: found before the transcode (`needed` known) or by the worker
/// running out of space (`during`: its error).
struct NoRoom: Error, CustomStringConvertible {
    var needed: Int64?
    var free: Int64?
    var root: String
    var during: String?

    var description: String {
        let sizes = Units.formatBytesAlike([needed, free].compactMap { $0 })
        switch (needed, free) {
        case (.some, .some):
            return "no room on the scratch disk: needs \(sizes[0]), \(sizes[1]) free in \(root)"
        case (nil, .some):
            return "the scratch disk filled up during the transcode (\(during ?? "")): \(sizes[0]) free in \(root)"
        default:
            return "the scratch disk filled up during the transcode (\(during ?? "")) in \(root)"
        }
    }
}
