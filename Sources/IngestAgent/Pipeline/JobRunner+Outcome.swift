import Foundation
import IngestCore
import IngestPublish
import IngestStore
import IngestWatcher
import Metrics

extension JobRunner {
    /// The job was stopped: back to the queue (shutdown; everything done so far is kept for the next run), or
    /// cancelled (its unpublished objects and its scratch folder are removed, its multipart uploads abandoned).
    func stoppedRun(_ reason: JobControl.Reason) async {
        // Its uploads end first (they see the stop and give up): what a cancelled or taken-over job removes must
        // not gain objects after it looked.
        if let uploads = uploads.withLock({ $0 }) { await uploads.settle() }
        switch reason {
        case .shutdown:
            do {
                try await database.apply(
                    .interrupted(reason: "agent stopped; resumes at next start"),
                    toJob: id,
                    policy: config.retry,
                    claim: claim
                )
                logger.notice("interrupted; back in the queue")
            } catch {
                // Already terminal or not active (stopped between stages): nothing to undo.
                logger.debug("not re-queued", metadata: ["reason": "\(error)"])
            }
        case .cancelled(let why):
            let current = try? await database.job(id: id)
            if let current, !current.state.isTerminal {
                _ = try? await database.apply(.cancelled(reason: why), toJob: id, policy: config.retry)
            }
            await removeUnpublished(current ?? job)
            logger.notice("cancelled", metadata: ["reason": "\(why)"])
        case .leaseLost(let why):
            // Once another agent has the job it writes a revision of its own: what this run stored under its
            // revision is named by no video.json and goes. While the job still names this run's revision, nobody
            // else has written one, and this agent may run the job again under it: its objects stay (journaled,
            // so whichever run publishes removes what it does not name). The scratch folder stays too.
            logger.warning("lease lost; dropped the job", metadata: ["reason": "\(why)"])
            guard let revision = revision.withLock({ $0 }) else { return }
            do {
                let current = try await database.job(id: id)
                guard let current, current.revision != revision else { return }
                await removeObjects(ofRevision: revision, job: current)
            } catch {
                logger.warning(
                    "objects of the dropped run left to the next publication",
                    metadata: ["error": "\(error)"]
                )
            }
        }
    }

    /// Objects this job stored under a revision `video.json` does not name, and its scratch folder.
    private func removeUnpublished(_ current: JobRecord) async {
        try? context.scratch.remove(job: id)
        try? await database.abandonUploads(job: id)
        guard let revision = current.revision, revision != current.publishedRevision else { return }
        await removeObjects(ofRevision: revision)
    }

    /// The objects this job stored under `revision`, unless `video.json` names it by now (`job`: the row as just
    /// read, else it is read here).
    private func removeObjects(ofRevision revision: String, job read: JobRecord? = nil) async {
        let current: JobRecord
        if let read { current = read } else { current = (try? await database.job(id: id)) ?? job }
        guard revision != current.publishedRevision else { return }
        let store = context.store
        let prefix = store.fullKey(VideoLayout.revisionFolder(current.videoId, revision)) + "/"
        do {
            let keys = try await database.storedKeys(job: id, storeURL: store.journalURL, keyPrefix: prefix)
            // The journal holds full keys; the store deletes by keys relative to its prefix.
            let relative = keys.map { relativeKey($0) }
            try await runBlocking("reel-ingest delete") { try store.delete(relative) }
            try await database.markDeleted(storeURL: store.journalURL, keys: keys)
            if !keys.isEmpty { logger.info("removed unpublished objects", metadata: ["objects": "\(keys.count)"]) }
        } catch {
            logger.error("cannot remove unpublished objects", metadata: ["error": "\(error)"])
        }
    }

    /// The machine has no room for the job now: back to the queue until the retry delay has passed, without spending
    /// an attempt; the scratch folder (what an earlier run wrote) stays. /healthz and the page say why meanwhile.
    func waitForRoom(_ noRoom: NoRoom) async {
        let delay = config.retry.baseDelay
        let reason = "waiting for room: \(noRoom)"
        do {
            try await database.apply(
                .waitForRoom(reason: reason, until: Date().addingTimeInterval(delay.timeInterval)),
                toJob: id,
                policy: config.retry,
                claim: claim
            )
        } catch {
            logger.error("cannot record the wait for room", metadata: ["reason": "\(reason)", "error": "\(error)"])
            return
        }
        Counter(label: "reel_ingest_waits_for_room_total").increment()
        logger.warning(
            "waiting for room on the scratch disk",
            metadata: ["reason": "\(noRoom)", "again_in": "\(Units.formatDuration(delay))"]
        )
    }

    /// The source can never work: rejected, with a note in the share and `on_failure` applied.
    func reject(_ rejection: StageRejection) async {
        do {
            try await database.apply(.rejected(reason: rejection.reason), toJob: id, policy: config.retry, claim: claim)
        } catch {
            logger.error("cannot record the rejection", metadata: ["error": "\(error)"])
            return
        }
        try? context.scratch.remove(job: id)
        await leaveFeedback(problem: rejection.reason, advice: rejection.advice)
        logger.warning("rejected", metadata: ["reason": "\(rejection.reason)"])
    }

    /// An attempt failed: `failed` with backoff while attempts remain; after the last one the share gets a note and
    /// `on_failure` applies. The scratch folder stays for the next attempt.
    func fail(_ error: any Error, stage: String) async {
        let (reason, kind) = Self.describe(error)
        Counter(label: "reel_ingest_errors_total", dimensions: [("kind", kind.rawValue)]).increment()
        Counter(label: "reel_ingest_retries_total", dimensions: [("stage", stage)]).increment()
        await measure("error", 1, format: stage, detail: kind.rawValue)
        let failed: JobRecord
        do {
            failed = try await database.apply(.failed(error: reason), toJob: id, policy: config.retry, claim: claim)
        } catch let lost as LeaseLost {
            // The failure may well have come from losing the job (the database ended this agent's session).
            control.stop(.leaseLost(lost.description))
            await stoppedRun(.leaseLost(lost.description))
            return
        } catch {
            logger.error("cannot record the failure", metadata: ["failure": "\(reason)", "error": "\(error)"])
            return
        }
        if let next = failed.nextAttemptAt {
            logger.warning(
                "failed; will retry",
                metadata: [
                    "stage": "\(stage)", "error": "\(reason)", "attempt": "\(failed.attempts)",
                    "next_attempt": "\(ISO8601DateFormatter().string(from: next))",
                ]
            )
            return
        }
        logger.error(
            "failed for good",
            metadata: ["stage": "\(stage)", "error": "\(reason)", "attempts": "\(failed.attempts)"]
        )
        await leaveFeedback(
            problem: reason,
            advice: "The agent tried \(failed.attempts) times. Ask an administrator to look at job \(id) "
                + "(`reel-ingest jobs show \(id)`); it can be retried with `reel-ingest jobs retry \(id)`."
        )
    }

    /// The job's reason line and error kind.
    static func describe(_ error: any Error) -> (String, FailureKind) {
        switch error {
        case let failure as StageFailure: (failure.description, failure.kind)
        case let s3 as S3Error: (s3.description, .storage)
        case let store as FileStoreError: (store.description, .storage)
        case is UploadCancelled: ("upload cancelled", .storage)
        default: ("\(error)", .other)
        }
    }

    /// `NAME.error.txt` next to the source, then `on_failure` (keep or move).
    private func leaveFeedback(problem: String, advice: String) async {
        guard let watch = config.watches.first(where: { $0.name == job.watchName }) else { return }
        await ShareFeedback(database: database, logger: logger)
            .leave(job: id, path: sourcePath, watch: watch, problem: problem, advice: advice)
    }
}
