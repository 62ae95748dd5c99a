import Foundation
import IngestCore
import IngestPublish
import IngestStore
import IngestWatcher
import Metrics

extension JobRunner {
    /// uploading → distributing → published: purge what the CDN may hold for this video, pre-warm what players ask
    /// first, delete the replaced revision and anything else under the video's folder that `video.json` does not
    /// name, drop the scratch folder; once published, apply `on_success` to the source. A CDN failure is recorded (and retried by
    /// `retry-sweep`); it never holds back or undoes the publication.
    func distribute(_ probed: ProbedSource, published video: PublishedVideo) async throws {
        try checkStopped()
        try await transition(.distributionStarted)
        let started = Date()
        let folder = VideoLayout.folder(video.videoId)
        let store = context.store
        // What the agent ever stored under the video's folder (the journal knows; no listing needed) that the new
        // video.json does not name: the replaced revision, and leftovers of interrupted runs.
        let stored = try await database.storedKeys(
            job: nil,
            storeURL: store.journalURL,
            keyPrefix: store.fullKey(folder) + "/"
        )
        let named = Set(
            (video.allFiles.map { folder + "/" + $0.path } + [VideoLayout.manifestKey(video.videoId)]).map(
                store.fullKey
            )
        )
        let leftovers = stored.filter { !named.contains($0) }
        let previous = probed.previousRevision.map {
            store.fullKey(VideoLayout.revisionFolder(video.videoId, $0)) + "/"
        }
        let previousKeys = previous.map { prefix in leftovers.filter { $0.hasPrefix(prefix) } } ?? []

        let plan = cdnPlan
        let actions =
            plan.purges(
                videoId: video.videoId,
                revision: video.revision,
                previousKeys: previousKeys.map { relativeKey($0) }
            )
            + plan.prewarms(videoId: video.videoId, video: video)
        if !actions.isEmpty { await perform(actions, revision: video.revision) }

        if !leftovers.isEmpty {
            let relative = leftovers.map { relativeKey($0) }
            try await runBlocking("reel-ingest delete") { try store.delete(relative) }
            try await database.markDeleted(storeURL: store.journalURL, keys: leftovers)
            logger.info("removed replaced objects", metadata: ["objects": "\(leftovers.count)"])
        }
        try checkStopped()
        let seconds = Date().timeIntervalSince(started)
        Timer(label: "reel_ingest_stage_seconds", dimensions: [("stage", "distributing"), ("format", "all")])
            .recordSeconds(seconds)
        await measure("stage_seconds", seconds, format: "distributing")
        try await database.completePublication(job: id, revision: video.revision, policy: config.retry, claim: claim)
        try? context.scratch.remove(job: id)
        logger.notice(
            "published",
            metadata: [
                "video": "\(video.videoId)", "revision": "\(video.revision)",
                "manifest": "\(location(VideoLayout.manifestKey(video.videoId)))",
                "hls": "\(location(folder + "/" + video.media.hlsMaster.path))",
                "dash": "\(location(folder + "/" + video.media.dashManifest.path))",
                "mp4": "\(location(folder + "/" + video.media.mp4.file.path))",
                "poster":
                    "\(video.media.thumbnails.first { $0.label == "poster" }.map { location(folder + "/" + $0.file.path) } ?? "-")",
            ]
        )
        // Only now, with the job committed as published, is the source touched.
        await finishSource()
    }

    /// A full key (as the journal holds it) relative to the store's prefix again.
    func relativeKey(_ full: String) -> String {
        let prefix = context.store.fullKey("")
        return prefix.isEmpty ? full : String(full.dropFirst(prefix.count + 1))
    }

    /// Where a person finds an object: the CDN URL, the file path of a file store, or `s3://bucket/key`.
    func location(_ key: String) -> String {
        if let url = cdnPlan.url(key) { return url }
        let store = context.store
        if let file = store as? FileStore { return file.directory + "/" + store.fullKey(key) }
        return store.journalURL + "/" + store.fullKey(key)
    }

    /// Runs CDN actions on a thread and records each in `video_cdn_cache`.
    func perform(_ actions: [CDNAction], revision: String) async {
        let options = CDNClient.Options(config.cdn, storage: config.storage, credentials: context.cdnCredentials)
        let outcomes: [CDNOutcome]
        do {
            outcomes = try await runBlocking("reel-ingest cdn") {
                let client = try CDNClient(options: options)
                return actions.map { action in
                    let outcome = client.perform(action)
                    if case .prewarm = action { KillPoint.midPrewarm.reached() } else { KillPoint.midPurge.reached() }
                    return outcome
                }
            }
        } catch {
            logger.error("CDN requests could not start", metadata: ["error": "\(error)"])
            return
        }
        var failures = 0
        for outcome in outcomes {
            let record = CDNActionRecord(jobId: id, revision: revision, outcome: outcome, at: Date())
            _ = try? await database.recordCDNAction(record)
            Counter(
                label: "reel_ingest_cdn_actions_total",
                dimensions: [("action", outcome.action.name), ("status", record.status.rawValue)]
            ).increment()
            if let error = outcome.error {
                failures += 1
                logger.warning("CDN request failed; retry-sweep tries it again", metadata: ["error": "\(error)"])
            }
        }
        logger.info("CDN done", metadata: ["requests": "\(outcomes.count)", "failed": "\(failures)"])
    }

    /// `on_success` of the job's watch, now that the video is live; where the source went is recorded.
    private func finishSource() async {
        // A note left by an earlier failed attempt no longer tells the truth.
        try? FileSystemCalls.remove(SourceActionExecutor.errorNotePath(for: sourcePath))
        guard let watch = config.watches.first(where: { $0.name == job.watchName }), watch.onSuccess != .keep else {
            return
        }
        let executor = SourceActionExecutor(root: watch.path)
        let action = watch.onSuccess
        let path = sourcePath
        do {
            let moved = try await runBlocking("reel-ingest source") { try executor.apply(action, to: path) }
            KillPoint.duringOnSuccess.reached()
            if let moved, moved != path { try await database.moveSource(job: id, to: watch.storedPath(moved)) }
            logger.info("source handled", metadata: ["on_success": "\(action)", "now_at": "\(moved ?? "deleted")"])
        } catch {
            logger.error("on_success failed", metadata: ["on_success": "\(action)", "error": "\(error)"])
        }
    }
}
