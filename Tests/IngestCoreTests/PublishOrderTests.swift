import IngestCore
import Testing

@Suite("Publish order, object kinds, multipart plan, backoff, store URLs")
struct PublishOrderTests {
    @Test func publishSetGoesUpWithoutDanglingReferences() {
        let keys = [
            "videos/v1/video.json", "videos/v1/master.m3u8", "videos/v1/manifest.mpd", "videos/v1/720p/playlist.m3u8",
            "videos/v1/720p/seg-00001.m4s", "videos/v1/720p/init.mp4", "videos/v1/thumbs/poster.jpg",
            "videos/v1/video.mp4", "videos/v1/360p/playlist.m3u8", "videos/v1/360p/seg-00001.m4s",
        ]
        let batches = PublishOrder.batches(keys)
        #expect(
            batches == [
                ["videos/v1/720p/seg-00001.m4s", "videos/v1/720p/init.mp4", "videos/v1/360p/seg-00001.m4s"],
                ["videos/v1/thumbs/poster.jpg", "videos/v1/video.mp4"],
                ["videos/v1/720p/playlist.m3u8", "videos/v1/360p/playlist.m3u8"],
                ["videos/v1/master.m3u8", "videos/v1/manifest.mpd"],
                ["videos/v1/video.json"],
            ]
        )
        let flat = PublishOrder.sorted(keys)
        #expect(flat.last == "videos/v1/video.json")
        #expect(Set(flat) == Set(keys))
        // Every playlist comes after every segment it could name.
        let lastSegment = flat.lastIndex { $0.hasSuffix(".m4s") || $0.hasSuffix("init.mp4") } ?? 0
        let firstPlaylist = flat.firstIndex { $0.hasSuffix(".m3u8") || $0.hasSuffix(".mpd") } ?? 0
        #expect(lastSegment < firstPlaylist)
        #expect(PublishOrder.batches([]) == [])
    }

    @Test func cachingAndTypesFollowTheKind() {
        #expect(ObjectKind(key: "a/seg-1.m4s").cacheControl.contains("immutable"))
        #expect(ObjectKind(key: "a/poster.jpg").cacheControl.contains("immutable"))
        #expect(ObjectKind(key: "a/master.m3u8").cacheControl == "public, max-age=60")
        #expect(ObjectKind(key: "a/video.json").cacheControl == "public, max-age=60")
        #expect(ContentType.forKey("a/master.m3u8") == "application/vnd.apple.mpegurl")
        #expect(ContentType.forKey("a/manifest.mpd") == "application/dash+xml")
        #expect(ContentType.forKey("a/seg.m4s") == "video/iso.segment")
        #expect(ContentType.forKey("a/VIDEO.MP4") == "video/mp4")
        #expect(ContentType.forKey("a/noext") == "application/octet-stream")
    }

    struct PlanCase: Sendable {
        var size: Int64
        var configured: Int64
        var expectedPart: Int64
        var expectedCount: Int
    }

    static let mib: Int64 = 1 << 20
    static let planCases: [PlanCase] = [
        PlanCase(size: 100 * mib, configured: 16 * mib, expectedPart: 16 * mib, expectedCount: 7),
        PlanCase(size: 16 * mib, configured: 16 * mib, expectedPart: 16 * mib, expectedCount: 1),
        PlanCase(size: 16 * mib + 1, configured: 16 * mib, expectedPart: 16 * mib, expectedCount: 2),
        // 500 GiB at 16 MiB would be 32,000 parts: the part size grows to ceil(size / 9000).
        PlanCase(size: 500 * 1024 * mib, configured: 16 * mib, expectedPart: 59_652_324, expectedCount: 9_000),
    ]

    @Test(arguments: planCases)
    func partSizeIsAtLeastSizeOver9000(_ testCase: PlanCase) {
        let size = testCase.size
        let plan = MultipartPlan(totalSize: size, configuredPartSize: testCase.configured)
        #expect(plan.partSize == testCase.expectedPart)
        #expect(plan.partCount == testCase.expectedCount)
        let parts = plan.parts
        #expect(parts.reduce(0) { $0 + $1.length } == size)
        #expect(parts.first?.offset == 0)
        #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.offset + $0.length == $1.offset })
    }

    @Test func fullJitterStaysUnderTheGrowingCeiling() {
        let backoff = Backoff(maxAttempts: 8, base: .milliseconds(100), cap: .seconds(2))
        #expect(backoff.ceiling(afterAttempt: 1) == .milliseconds(100))
        #expect(backoff.ceiling(afterAttempt: 3) == .milliseconds(400))
        #expect(backoff.ceiling(afterAttempt: 10) == .seconds(2))
        var generator = SystemRandomNumberGenerator()
        var delays: Set<Duration> = []
        for _ in 0..<200 {
            let delay = backoff.delay(afterAttempt: 4, using: &generator)
            #expect(delay >= .zero && delay <= .milliseconds(800))
            delays.insert(delay)
        }
        // Jitter: not one fixed value.
        #expect(delays.count > 50)
    }

    @Test func storeURLs() {
        #expect(StoreLocation("s3://media/prod/") == .s3(bucket: "media", prefix: "prod"))
        #expect(StoreLocation("s3://media") == .s3(bucket: "media", prefix: ""))
        #expect(StoreLocation("file:///srv/videos/") == .file(directory: "/srv/videos"))
        #expect(StoreLocation("s3://") == nil)
        #expect(StoreLocation("http://x") == nil)
        #expect(StoreLocation.join("prod/", "/videos/a") == "prod/videos/a")
        #expect(StoreLocation.join("", "a") == "a")
    }
}
