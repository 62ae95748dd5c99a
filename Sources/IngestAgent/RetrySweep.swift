import Foundation
import IngestCore
import IngestStore

/// What cron's `reel-ingest retry-sweep` does: re-queue every failed job whose next attempt is due, remove scratch
/// folders no job needs any more, try failed CDN requests again, then (with an S3 store) abort multipart uploads
/// that will never be finished. Safe while the daemon runs: every change is a checked transaction.
public struct RetrySweep: Sendable {
    public struct Report: Codable, Sendable, Equatable {
        public var requeued: [Int64] = []
        /// Scratch folders removed, by job id.
        public var removedScratch: [Int64] = []
        public var cdnRetries: [CDNRetry.Action] = []
        public var abortedUploads: [MultipartJanitor.Action] = []
        /// HTTP uploads (status API) removed: expired before they were complete, or finished ones' leftover bytes.
        public var expiredUploads: [UploadSweep.Action] = []
        public var errors: [String] = []
        /// Set when another sweep (on any agent of the fleet) was running: this one did nothing.
        public var skipped: String?
    }

    let database: any JobStore
    let policy: RetryPolicy
    let janitor: MultipartJanitor?
    let scratchDir: String?
    let cdn: CDNRetry?
    let uploads: UploadSweep?

    public init(
        database: any JobStore,
        policy: RetryPolicy,
        janitor: MultipartJanitor? = nil,
        scratchDir: String? = nil,
        cdn: CDNRetry? = nil,
        uploads: UploadSweep? = nil
    ) {
        self.database = database
        self.policy = policy
        self.janitor = janitor
        self.scratchDir = scratchDir
        self.cdn = cdn
        self.uploads = uploads
    }

    /// Runs the sweep unless another one is running anywhere on this job database (one at a time across a fleet).
    public func run(at now: Date = Date()) async throws -> Report {
        try await database.exclusively("retry-sweep") { try await sweep(at: now) }
            ?? Report(skipped: "another retry-sweep is running on this job database; nothing done")
    }

    private func sweep(at now: Date) async throws -> Report {
        var report = Report()
        for job in try await database.dueRetries(at: now) {
            guard let id = job.id else { continue }
            do {
                try await database.apply(.retry(manual: false), toJob: id, policy: policy, at: now)
                report.requeued.append(id)
                KillPoint.midRetrySweep.reached()
            } catch {
                // Another sweep or the daemon moved it first; report and go on with the rest.
                report.errors.append("job \(id): \(error)")
            }
        }
        if let scratchDir {
            do {
                let keep = try await database.jobsKeepingScratch()
                let scratch = ScratchSpace(root: scratchDir)
                for id in scratch.jobFolders().sorted() where !keep.contains(id) {
                    do {
                        try scratch.remove(job: id)
                        report.removedScratch.append(id)
                        KillPoint.midRetrySweep.reached()
                    } catch {
                        report.errors.append("scratch folder of job \(id): \(error.localizedDescription)")
                    }
                }
            } catch {
                report.errors.append("scratch cleanup: \(error)")
            }
        }
        if let cdn {
            do {
                report.cdnRetries = try await cdn.run()
            } catch {
                report.errors.append("CDN retries: \(error)")
            }
        }
        if let janitor {
            do {
                report.abortedUploads = try await runBlocking { () throws -> [MultipartJanitor.Action] in
                    try janitor.run(at: now)
                }
            } catch {
                report.errors.append("multipart cleanup: \(error)")
            }
        }
        // HTTP uploads of the status API (UploadSweep.swift).
        if let uploads {
            do { report.expiredUploads = try await uploads.run(at: now) } catch {
                report.errors.append("upload cleanup: \(error)")
            }
        }
        return report
    }
}
