import Foundation
import IngestCore
import IngestStore
import Testing

@testable import IngestAgent
@testable import IngestPublish

/// The pipeline's pure parts: which CDN requests a publication makes, the upload stage's slots, job stops.
@Suite("pipeline parts")
struct PipelinePartsTests {
    private func video(segments: Int = 4) -> PublishedVideo {
        func file(_ path: String) -> VideoManifest.File { VideoManifest.File(path: path, bytes: 1, sha256: "x") }
        let rendition = VideoManifest.Rendition(
            id: "v360",
            type: "video",
            codecs: "avc1",
            targetBitrate: 1,
            peakBitrate: 1,
            averageBitrate: 1,
            duration: 8,
            playlist: "r1/v360/index.m3u8",
            files: [file("r1/v360/init.mp4")] + (1...segments).map { file("r1/v360/seg_0000\($0).m4s") }
                + [file("r1/v360/index.m3u8")]
        )
        let probe = ProbeReport(
            container: "mp4",
            formatName: "mp4",
            duration: 8,
            size: 1,
            bitRate: nil,
            videoStream: 0,
            audioStream: nil,
            displayWidth: 640,
            displayHeight: 360,
            streams: []
        )
        let media = VideoManifest(
            source: probe,
            duration: 8,
            segmentDuration: 2,
            hlsMaster: file("r1/master.m3u8"),
            dashManifest: file("r1/manifest.mpd"),
            renditions: [rendition],
            mp4: VideoManifest.Progressive(rendition: "v360", width: 640, height: 360, file: file("r1/video.mp4")),
            thumbnails: [
                VideoManifest.Thumbnail(
                    label: "p50",
                    time: 4,
                    width: 160,
                    height: 90,
                    file: file("r1/thumbnails/p50.jpg")
                ),
                VideoManifest.Thumbnail(label: "poster", time: 4, width: 160, height: 90, file: file("r1/poster.jpg")),
            ]
        )
        return PublishedVideo(
            videoId: "abc",
            revision: "r1",
            publishedAt: Date(),
            metadata: [:],
            sourceFile: .init(name: "a.mp4", bytes: 1, sha256: "x"),
            media: media,
            original: nil,
            baseURL: nil
        )
    }

    private func settings(_ provider: String, base: String = "https://cdn.example/media") -> CDNSettings {
        var settings = CDNSettings()
        settings.provider = provider
        settings.baseURL = base
        settings.prewarmSegments = 2
        return settings
    }

    @Test func purgesTheManifestAndThePreviousRevision() {
        var http = settings("varnish")
        http.purgeURL = "http://127.0.0.1:6082"
        let actions = CDNPlan(settings: http).purges(
            videoId: "abc",
            revision: "r2",
            previousKeys: ["videos/abc/r1/master.m3u8", "videos/abc/r1/v 1/seg.m4s"]
        )
        #expect(
            actions == [
                .purge(url: "http://127.0.0.1:6082/media/videos/abc/video.json"),
                .purge(url: "http://127.0.0.1:6082/media/videos/abc/r1/master.m3u8"),
                .purge(url: "http://127.0.0.1:6082/media/videos/abc/r1/v%201/seg.m4s"),
            ]
        )
        var ban = settings("http-purge")
        ban.purgeMethod = "ban"
        #expect(
            CDNPlan(settings: ban).purges(videoId: "abc", revision: "r2", previousKeys: [])
                == [.ban(url: "https://cdn.example/media", prefix: "/media/videos/abc/")]
        )
        var cloudfront = settings("cloudfront")
        cloudfront.distributionId = "E1"
        #expect(
            CDNPlan(settings: cloudfront).purges(videoId: "abc", revision: "r2", previousKeys: ["x"])
                == [
                    .invalidate(
                        distributionId: "E1",
                        paths: ["/media/videos/abc/*"],
                        callerReference: "reel-ingest-abc-r2"
                    )
                ]
        )
        #expect(CDNPlan(settings: CDNSettings()).purges(videoId: "abc", revision: "r2", previousKeys: ["x"]).isEmpty)
    }

    @Test func prewarmsWhatAPlayerAsksForFirst() {
        let actions = CDNPlan(settings: settings("http-purge")).prewarms(videoId: "abc", video: video())
        let base = "https://cdn.example/media/videos/abc/"
        #expect(
            actions.map { if case .prewarm(let url) = $0 { url } else { "" } } == [
                base + "video.json", base + "r1/master.m3u8", base + "r1/manifest.mpd", base + "r1/v360/index.m3u8",
                base + "r1/v360/init.mp4", base + "r1/v360/seg_00001.m4s", base + "r1/v360/seg_00002.m4s",
                base + "r1/poster.jpg",
            ]
        )
        var off = settings("http-purge")
        off.prewarm = false
        #expect(CDNPlan(settings: off).prewarms(videoId: "abc", video: video()).isEmpty)
    }

    @Test func recordedActionsReadBack() {
        let actions: [CDNAction] = [
            .purge(url: "http://c/x"), .prewarm(url: "http://c/y"), .ban(url: "http://c", prefix: "/p/"),
            .invalidate(distributionId: "E1", paths: ["/a/*", "/b/*"], callerReference: "ref"),
        ]
        for action in actions { #expect(CDNAction(name: action.name, target: action.target) == action) }
        #expect(CDNAction(name: "teleport", target: "x") == nil)
    }

    /// The pipeline writes a CDN request's row, `retry-sweep` updates it: tries add up, the rest is the latest.
    @Test func cdnOutcomesAreRecordedOneWay() {
        let action = CDNAction.purge(url: "http://cdn/videos/abc/video.json")
        let first = Date(timeIntervalSince1970: 1000)
        let failed = CDNOutcome(action: action, status: 503, cacheStatus: nil, attempts: 4, error: "HTTP 503")
        var record = CDNActionRecord(jobId: 7, revision: "r1", outcome: failed, at: first)
        #expect(record.url == action.target && record.action == "purge" && record.revision == "r1")
        #expect(record.status == .failed && record.httpStatus == 503 && record.attempts == 4)
        #expect(record.error == "HTTP 503" && record.createdAt == first && record.updatedAt == first)

        let later = Date(timeIntervalSince1970: 2000)
        record.record(CDNOutcome(action: action, status: 200, cacheStatus: "MISS", attempts: 1, error: nil), at: later)
        #expect(record.status == .ok && record.httpStatus == 200 && record.cacheStatus == "MISS")
        #expect(record.attempts == 5 && record.error == nil && record.createdAt == first && record.updatedAt == later)

        var config = AgentConfig()
        config.storage.caBundle = "/etc/ssl/private-ca.pem"
        let options = CDNClient.Options(config.cdn, storage: config.storage, credentials: nil)
        #expect(
            options.cloudfrontEndpoint == "https://cloudfront.amazonaws.com"
                && options.caBundle == config.storage.caBundle
        )
        config.cdn.cloudfrontEndpoint = "http://127.0.0.1:5000"
        #expect(
            CDNClient.Options(config.cdn, storage: config.storage, credentials: nil).cloudfrontEndpoint
                == "http://127.0.0.1:5000"
        )
    }

    @Test func uploadSlotsGoByPriorityThenArrival() async {
        let pool = SlotPool(slots: 1)
        let holder = JobControl()
        #expect(await pool.acquire(job: 1, priority: 0, control: holder))
        let order = OrderLog()
        await withTaskGroup(of: Void.self) { group in
            for (id, priority) in [(2, 0), (3, 5), (4, 0)] as [(Int64, Int)] {
                group.addTask {
                    if await pool.acquire(job: id, priority: priority, control: JobControl()) {
                        order.append(id)
                        pool.release()
                    }
                }
                // Each waiter is in line before the next arrives.
                while pool.waiting < Int(id) - 2 { await Task.yield() }
            }
            pool.release()
        }
        #expect(order.ids == [3, 2, 4])
    }

    @Test func aStoppedJobLeavesTheLine() async {
        let pool = SlotPool(slots: 1)
        #expect(await pool.acquire(job: 1, priority: 0, control: JobControl()))
        let control = JobControl()
        async let granted = pool.acquire(job: 2, priority: 0, control: control)
        while pool.waiting < 1 { await Task.yield() }
        control.stop(.shutdown)
        #expect(await granted == false)
        pool.release()
        #expect(await pool.acquire(job: 3, priority: 0, control: JobControl()), "the slot is free again")
    }

    @Test func stopHandlersRunOnceWithTheFirstReason() {
        let control = JobControl()
        let seen = OrderLog()
        control.onStop { reason in seen.append(reason == .shutdown ? 1 : 2) }
        control.stop(.shutdown)
        control.stop(.cancelled("later"))
        control.onStop { _ in seen.append(3) }
        #expect(seen.ids == [1, 3])
        #expect(control.reason == .shutdown)
    }

    @Test func workerFailuresBecomePlainReasons() throws {
        let scratch = ScratchSpace(root: FileManager.default.temporaryDirectory.path)
        let ended = { (exit: ChildProcess.Exit, stderr: String) in
            WorkerFailure.of(exit: exit, expired: false, limit: "2h", stderr: stderr)
        }
        #expect(ended(.status(0), "") == nil)
        let fullDisk = try #require(ended(.status(3), "notice\nwrite seg_00003.m4s: No space left on device"))
        let noRoom = try #require(
            JobRunner.outcome(fullDisk, scratch: scratch) as? NoRoom,
            "a full disk makes the job wait, it does not fail it"
        )
        #expect(noRoom.description.hasPrefix("the scratch disk filled up during the transcode (write seg_00003.m4s"))
        // The same words with the failure's status are the source's problem, not the disk's.
        let failed = try #require(ended(.status(1), "cannot decode: No space left on device"))
        #expect((JobRunner.outcome(failed, scratch: scratch) as? StageFailure)?.kind == .worker)

        let timedOut = try #require(WorkerFailure.of(exit: .signal(9), expired: true, limit: "2h", stderr: ""))
        #expect(timedOut.description == "timed out after 2h")
        #expect((JobRunner.outcome(timedOut, scratch: scratch) as? StageFailure)?.kind == .timeout)
        let killed = try #require(ended(.signal(9), ""))
        #expect(killed.description == "worker killed by signal 9")
        #expect((JobRunner.outcome(killed, scratch: scratch) as? StageFailure)?.kind == .workerSignal)
        #expect(ended(.status(1), "")?.description == "worker exited with status 1")
        #expect(FailureKind.workerSignal.rawValue == "worker-signal", "the metric's label users alert on")
    }

    @Test func objectsAreCountedUnderTheirFormat() {
        let cases = [
            ("videos/a/r1/v720/seg_00001.m4s", "v720"), ("videos/a/r1/audio/init.mp4", "audio"),
            ("videos/a/r1/video.mp4", "mp4"), ("videos/a/r1/thumbnails/p10_w320.jpg", "thumbnails"),
            ("videos/a/r1/poster.jpg", "thumbnails"), ("videos/a/r1/master.m3u8", "manifests"),
            ("videos/a/video.json", "video.json"), ("videos/a/original.mov", "original"),
        ]
        for (key, format) in cases { #expect(JobRunner.format(ofKey: key, revision: "r1") == format, "\(key)") }
    }

    @Test func scratchRoomIsCheckedAgainstTheRealDisk() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let scratch = ScratchSpace(root: dir)
        let free = try #require(scratch.freeBytes())
        try scratch.checkRoom(for: 1)
        let error = #expect(throws: NoRoom.self) { try scratch.checkRoom(for: free + (1 << 40)) }
        // Both sizes in one unit (the larger's): "needs 1024.5 GiB, 12.3 GiB free".
        let words = try #require(error?.description).split(separator: " ")
        #expect(words.prefix(6) == ["no", "room", "on", "the", "scratch", "disk:"])
        #expect(words[8] == "GiB," && words[10] == "GiB")
        // An hour of the standard ladder needs gigabytes, not megabytes.
        #expect(ScratchSpace.estimate(duration: 3600, profile: .standard) > 5 << 30)
    }
}

/// Ids in the order they were appended, from any task.
private final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int64] = []
    func append(_ id: Int64) { lock.withLock { items.append(id) } }
    var ids: [Int64] { lock.withLock { items } }
}
