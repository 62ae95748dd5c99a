import Foundation
import IngestCore
import IngestStore
import IngestWatcher

#if canImport(Glibc)
    import Glibc
#endif

/// What the probe stage learned and decided.
struct ProbedSource: Sendable {
    var report: ProbeReport
    var profile: Profile
    var videoId: String
    var revision: String
    /// The revision `video.json` names now, which this publication replaces.
    var previousRevision: String?
    var sourceSize: Int64
    var sha256: String
}

extension JobRunner {
    /// stable → probing: the source is still there and unchanged, its content is known and not already ingested,
    /// it is a video the limits allow; the revision is chosen and the scratch disk has room.
    func probe() async throws -> ProbedSource {
        try checkStopped()
        try await transition(.probeStarted)
        guard let profile = config.profiles[job.profile] else {
            throw StageFailure("profile '\(job.profile)' is no longer configured", kind: .config)
        }
        guard let path = localSource else {
            throw StageFailure("watch '\(job.watchName ?? "")' is not configured on this agent", kind: .config)
        }
        let size = try await checkSourceUnchanged(since: "it was recorded")
        var sha256 = job.contentSha256
        if sha256 == nil {
            // The agent stopped between recording the file and hashing it: hash it now, as intake would.
            let hash = try await runBlocking("reel-ingest hash") { try ContentHasher.sha256(path: path) }
            if let original = try await database.claimContent(
                hash,
                job: id,
                source: job.sourceFileId ?? 0,
                policy: config.retry
            ) {
                logger.notice("duplicate", metadata: ["original": "\(original)"])
                throw JobStopped(reason: .cancelled("duplicate"))
            }
            sha256 = hash
        }
        let report = try await probeReport(path)
        let current = try await database.job(id: id) ?? job
        var revision = current.revision ?? ""
        // A revision is kept while its own agent retries it (uploads resume); a published one, or one another agent
        // chose, is never written to again.
        let chosenElsewhere = current.revisionBy != nil && current.revisionBy != claim.agent
        if current.revision == nil || current.revision == current.publishedRevision || chosenElsewhere {
            revision = VideoLayout.newRevision()
            try await database.setRevision(job: id, revision, claim: claim)
        }
        self.revision.withLock { [revision] in $0 = revision }
        let folder = context.scratch.output(job: id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let already = Self.bytes(under: folder)
        try context.scratch.checkRoom(for: ScratchSpace.estimate(duration: report.duration, profile: profile) - already)
        return ProbedSource(
            report: report,
            profile: profile,
            videoId: current.videoId,
            revision: revision,
            previousRevision: current.publishedRevision,
            sourceSize: size,
            sha256: sha256 ?? ""
        )
    }

    /// Intake's answer for this very file, or `reel-ingest-media probe --json` in a child process (libav never runs
    /// inside the agent).
    private func probeReport(_ path: String) async throws -> ProbeReport {
        let outcome: ProbeOutcome
        if let file = FileSystemCalls.lstat(path).map({ FileObservation(path: path, stat: $0) }),
            let summary = context.probeAnswers?.take(job: id, file: file, limits: config.limits)
        {
            outcome = .media(container: "", summary: summary)
        } else {
            outcome = await SubprocessProber(executable: context.mediaWorker, configFile: context.configFile)
                .probe(path)
        }
        switch outcome {
        case .media(_, let summary):
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do {
                return try decoder.decode(ProbeReport.self, from: Data(summary.utf8))
            } catch {
                throw StageFailure("cannot read the probe's answer: \(error)", kind: .probe)
            }
        case .rejected(let reason):
            let containers = config.limits.allowedContainers.joined(separator: ", ")
            throw StageRejection(
                reason: reason,
                advice: "Save the recording as a video file (\(containers)) and copy it here again."
            )
        case .unavailable(let reason):
            throw StageFailure("probe failed: \(reason)", kind: .probe)
        }
    }

    /// Bytes of the files below `folder` (what an earlier run already wrote there).
    static func bytes(under folder: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var total: Int64 = 0
        while let name = walker.nextObject() as? String {
            var info = stat()
            if stat(folder + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                total += Int64(info.st_size)
            }
        }
        return total
    }

    /// Stops the run (cancelled) when the source is gone or is no longer the file intake recorded (size, modification
    /// time, inode): what was made from other content must never be published under this content's id. The watcher
    /// queues the new version as its own job. Returns the size.
    @discardableResult
    func checkSourceUnchanged(since moment: String) async throws -> Int64 {
        guard let info = FileSystemCalls.lstat(sourcePath) else {
            throw JobStopped(reason: .cancelled("source file disappeared"))
        }
        let size = Int64(info.st_size)
        if let sourceId = job.sourceFileId, let recorded = try await database.sourceFile(id: sourceId) {
            let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            let inode = Int64(bitPattern: UInt64(info.st_ino))
            if recorded.size != size || recorded.mtimeNs != mtime || recorded.inode != inode {
                throw JobStopped(
                    reason: .cancelled("source file changed since \(moment); the new version is queued as its own job")
                )
            }
        }
        return size
    }
}
