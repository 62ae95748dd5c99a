import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Named places where a test makes the process kill itself with SIGKILL, to prove that a crash there neither loses
/// nor duplicates anything (the crash-recovery suite drives each one). Armed only by the environment variable
/// `REEL_INGEST_KILL_POINT=NAME` or `NAME@N` (the Nth time the point is reached); unarmed, a point costs one
/// comparison with a value read once.
public enum KillPoint: String, CaseIterable, Sendable {
    /// The watcher saw a new file (before it settled).
    case afterDiscovery = "after-discovery"
    /// Intake read the first MiB of the file's SHA-256.
    case midHash = "mid-hash"
    /// Intake committed the job row; the probe has not run.
    case afterJobRow = "after-job-row"
    /// The probe child is running.
    case midProbe = "mid-probe"
    /// The worker announced a finished output file (`@1` early, a later count late in the transcode).
    case midTranscode = "mid-transcode"
    /// The transcode is over; the upload stage has not begun.
    case betweenTranscodeAndUpload = "between-transcode-and-upload"
    /// A multipart upload's part is stored and journaled.
    case midPart = "mid-part"
    /// Every part is stored; CompleteMultipartUpload has not been sent.
    case beforeComplete = "before-complete"
    /// CompleteMultipartUpload succeeded; the journal does not know yet.
    case betweenCompleteAndCommit = "between-complete-and-commit"
    /// An output object is stored (a PUT answered, or a multipart upload completed); its journal row still
    /// says only that it was about to be sent.
    case betweenStoreAndRecord = "between-store-and-record"
    /// Everything but `video.json` is stored.
    case beforeVideoJSON = "before-video-json"
    /// `video.json` is stored; the job is not yet committed as published.
    case afterVideoJSON = "after-video-json"
    /// The first CDN purge request was sent.
    case midPurge = "mid-purge"
    /// The first CDN pre-warm request was sent.
    case midPrewarm = "mid-prewarm"
    /// `on_success` moved or deleted the source; the database does not know yet.
    case duringOnSuccess = "during-on-success"
    /// A tus PATCH wrote bytes to the upload file; its offset is not recorded yet.
    case midTusUpload = "mid-tus-upload"
    /// A chunk of the chunked upload API is written; not recorded yet.
    case midChunkedUpload = "mid-chunked-upload"
    /// A complete upload's file is in its watch folder; intake has not recorded it.
    case uploadHandOff = "upload-hand-off"
    /// The retry sweep re-queued its first job.
    case midRetrySweep = "mid-retry-sweep"
    /// A reload read the new configuration; it is not in force yet.
    case midReload = "mid-reload"

    public static let environmentKey = "REEL_INGEST_KILL_POINT"

    /// The armed point and the hit that kills, from the environment (once per process).
    static let armed: (point: KillPoint, hit: Int)? = {
        guard let value = ProcessInfo.processInfo.environment[environmentKey], !value.isEmpty else { return nil }
        let parts = value.split(separator: "@", maxSplits: 1).map(String.init)
        guard let point = KillPoint(rawValue: parts[0]) else { return nil }
        return (point, parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()
    static let hits = Mutex(0)

    /// Kills the process here when this point is armed and reached for the armed time; says so on stderr first so
    /// the test knows the crash was this one.
    public func reached() {
        guard let armed = Self.armed, armed.point == self else { return }
        let count = Self.hits.withLock { hits in
            hits += 1
            return hits
        }
        guard count == armed.hit else { return }
        let line = "reel-ingest: kill point \(rawValue) reached (hit \(count)): SIGKILL\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        kill(getpid(), SIGKILL)
    }
}
