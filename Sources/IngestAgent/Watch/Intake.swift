import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What happens to a file once it held still: record it as a job, then check it in the order that
/// reads least (size from its stat, sidecar, one SHA-256 pass, the probe child), rejecting with a note
/// in the share or linking it to the job that already has the same content.
struct Intake: Sendable {
    let database: any JobStore
    let prober: (any MediaProber)?
    var probeAnswers: ProbeAnswers? = nil
    let logger: Logger

    enum Outcome: Sendable {
        /// Recorded (or already known): nothing more for the watcher to do.
        case done
        /// The file changed while it was read: observe this new version from scratch.
        case changed(FileObservation)
        /// The database could not take its job row (its disk full, its server out of reach): the watcher offers
        /// the file again after `Intake.retryDelay`, so it is taken once the database can write again.
        case notRecorded
    }

    /// How long a file the database could not record waits before it is offered again.
    static let retryDelay: TimeInterval = 5

    /// A job row just written, waiting for its checks.
    struct Recorded: Sendable {
        var id: Int64
        var sourceId: Int64
        var file: FileObservation
        var sidecarProblem: SourceMetadata.SidecarError?
        var watch: WatchConfig
        var config: AgentConfig
        /// Came over HTTP, complete: every byte the client sent is there, so nothing more is waited for.
        var uploaded = false
    }

    /// Step one, quick and in arrival order: the job rows of files that settled together, in one transaction.
    /// Versions already known get no row and are absent from the result; nil when the transaction failed.
    func record(_ files: [FileObservation], watch: WatchConfig, config: AgentConfig) async -> [FileObservation:
        Recorded]?
    {
        let (template, root) = (watch.metadataTemplate, watch.path)
        let resolved = await runBlocking { () -> [Result<String, SourceMetadata.SidecarError>] in
            files.map { file in
                Result { () throws(SourceMetadata.SidecarError) -> String in
                    try SourceMetadata.resolve(template: template, root: root, path: file.path)
                }
            }
        }
        let entries = zip(files, resolved).map { file, metadata in (file, try? metadata.get()) }
        do {
            let rows = try await database.recordStable(entries, watch: watch, policy: config.retry)
            var result: [FileObservation: Recorded] = [:]
            for (index, row) in rows.enumerated() {
                guard let row, let id = row.job.id else { continue }
                let file = files[index]
                for old in row.replaced {
                    logger.notice(
                        "source replaced; earlier job cancelled",
                        metadata: ["job": "\(old)", "path": "\(file.path)"]
                    )
                }
                var problem: SourceMetadata.SidecarError? = nil
                if case .failure(let error) = resolved[index] { problem = error }
                result[file] = Recorded(
                    id: id,
                    sourceId: row.sourceId,
                    file: file,
                    sidecarProblem: problem,
                    watch: watch,
                    config: config
                )
            }
            return result
        } catch {
            logger.error(
                "cannot record files; offering them again shortly",
                metadata: ["count": "\(files.count)", "error": "\(error)", "retry_in": "\(Int(Self.retryDelay)) s"]
            )
            return nil
        }
    }

    /// Step two, a few files at a time: size, sidecar, content hash and duplicates, probe.
    func check(_ recorded: Recorded) async -> Outcome {
        do {
            return try await checks(recorded)
        } catch {
            logger.error("cannot check file", metadata: ["path": "\(recorded.file.path)", "error": "\(error)"])
            return .done
        }
    }

    private func checks(_ recorded: Recorded) async throws -> Outcome {
        let (id, file, watch, config, path) = (
            recorded.id, recorded.file, recorded.watch, recorded.config, recorded.file.path
        )
        KillPoint.afterJobRow.reached()
        // Size first: an oversize file is rejected from its stat, before anything reads it.
        if file.size > config.limits.maxFileSize {
            let limit = Units.formatBytes(config.limits.maxFileSize)
            let reason = "file too large: \(Units.formatBytes(file.size)) exceeds the limit of \(limit)"
            let advice = "Shorten or re-encode the recording to stay under \(limit), then save it again."
            try await reject(id, path: file.path, reason: reason, advice: advice, watch: watch, config: config)
            return .done
        }
        if let sidecarProblem = recorded.sidecarProblem {
            let advice = "Fix \((sidecarProblem.sidecar as NSString).lastPathComponent) and save the video again."
            try await reject(
                id,
                path: file.path,
                reason: sidecarProblem.description,
                advice: advice,
                watch: watch,
                config: config
            )
            return .done
        }
        // The watcher hands over a file that is not a whole container only once it waited `incomplete_wait`; an
        // upload is judged at once.
        let verdict = await runBlocking { () -> ContainerCompleteness.Verdict in ContainerCompleteness.check(path: path)
        }
        if case .incomplete(let missing) = verdict {
            let wait = Units.formatDuration(config.limits.incompleteWait)
            let reason =
                recorded.uploaded
                ? "incomplete video file: \(missing)" : "incomplete video file, unchanged for \(wait): \(missing)"
            let advice =
                recorded.uploaded
                ? "The upload ended before the end of the recording: upload the whole file again."
                : "The copy or the recording stopped before the end: copy the whole recording here again."
            try await reject(id, path: path, reason: reason, advice: advice, watch: watch, config: config)
            return .done
        }
        let hash: String
        do {
            hash = try await runBlocking { () throws(Errno) -> String in try ContentHasher.sha256(path: path) }
        } catch {
            if error.code == ENOENT {
                try await database.apply(.cancelled(reason: "source file disappeared"), toJob: id, policy: config.retry)
                logger.info("dropped: file disappeared", metadata: ["job": "\(id)", "path": "\(path)"])
            } else {
                try await database.apply(.failed(error: error.description), toJob: id, policy: config.retry)
                logger.error("cannot read file", metadata: ["job": "\(id)", "path": "\(path)", "error": "\(error)"])
            }
            return .done
        }
        // The hash is only the file's if nothing changed while it was read.
        let after = Self.lstat(path)
        if after != file {
            try await database.apply(
                .cancelled(reason: "source file changed while it was read; re-queued as new content"),
                toJob: id,
                policy: config.retry
            )
            logger.notice("source changed while read; re-queued", metadata: ["job": "\(id)", "path": "\(path)"])
            return after.map { .changed($0) } ?? .done
        }
        if let originalID = try await database.claimContent(
            hash,
            job: id,
            source: recorded.sourceId,
            policy: config.retry
        ) {
            logger.notice(
                "duplicate",
                metadata: ["job": "\(id)", "path": "\(path)", "original": "\(originalID)", "sha256": "\(hash)"]
            )
            return .done
        }
        if let prober {
            switch await prober.probe(path) {
            case .rejected(let reason):
                let advice =
                    "Save the recording as a video file (\(config.limits.allowedContainers.joined(separator: ", "))) "
                    + "and copy it here again."
                try await reject(id, path: path, reason: reason, advice: advice, watch: watch, config: config)
                return .done
            case .unavailable(let reason):
                logger.warning(
                    "probe unavailable; the worker will check the file",
                    metadata: ["path": "\(path)", "reason": "\(reason)"]
                )
            case .media(_, let summary):
                probeAnswers?.keep(job: id, file: file, limits: config.limits, summary: summary)
            }
        }
        // Only now may the scheduler take it.
        try await database.markChecked(job: id)
        logger.info(
            "recorded",
            metadata: ["job": "\(id)", "path": "\(path)", "size": "\(file.size)", "sha256": "\(hash)"]
        )
        return .done
    }

    /// A symbolic link: never followed; one pointing outside the watched folder is rejected.
    func takeSymlink(_ path: String, watch: WatchConfig, config: AgentConfig) async {
        let target = (try? FileSystemCalls.linkTarget(path))?.readablePath ?? "?"
        // A dangling link points nowhere: nothing to follow, so it is treated as inside (as Foundation's resolution did).
        let resolved = (try? FileSystemCalls.resolved(path)) ?? path
        let root = (try? FileSystemCalls.resolved(watch.path)) ?? watch.path
        guard !resolved.hasPrefix(root + "/") else {
            logger.info("symbolic link inside the folder not followed", metadata: ["path": "\(path)"])
            return
        }
        logger.warning(
            "symbolic link points outside the watched folder",
            metadata: ["path": "\(path)", "target": "\(target)"]
        )
        guard let link = Self.lstat(path) else { return }
        do {
            guard
                let recorded = try await database.recordStable(link, watch: watch, metadata: nil, policy: config.retry),
                let id = recorded.job.id
            else { return }
            try await reject(
                id,
                path: path,
                reason: "symbolic link to \(target), outside the watched folder; links are not followed",
                advice: "Copy the recording itself into this folder instead of a link.",
                watch: watch,
                config: config
            )
        } catch {
            logger.error("cannot record link", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    private func reject(
        _ id: Int64,
        path: String,
        reason: String,
        advice: String,
        watch: WatchConfig,
        config: AgentConfig
    ) async throws {
        // The rejection is committed before the share is touched; the log line comes last so that whoever
        // reads it finds the note (and the moved file) already in place.
        try await database.apply(.rejected(reason: reason), toJob: id, policy: config.retry)
        let location = await ShareFeedback(database: database, logger: logger)
            .leave(job: id, path: path, watch: watch, problem: reason, advice: advice)
        logger.warning(
            "rejected",
            metadata: ["job": "\(id)", "path": "\(path)", "reason": "\(reason)", "now_at": "\(location ?? "deleted")"]
        )
    }

    static func lstat(_ path: String) -> FileObservation? {
        FileSystemCalls.lstat(path).map { FileObservation(path: path, stat: $0) }
    }
}
