import IngestCore
import Testing

@testable import IngestMedia

@Suite("ladder plan, frame rate, manifests")
struct PlanTests {
    private func plan(width: Int, height: Int, rate: (Int32, Int32)? = (30, 1), rotation: Int = 0) -> LadderPlan {
        LadderPlan(
            profile: .standard,
            displayWidth: width,
            displayHeight: height,
            sourceFrameRate: rate,
            rotation: rotation,
            cores: 2
        )
    }

    @Test func neverUpscalesAndKeepsOneRung() {
        #expect(plan(width: 1920, height: 1080).rungs.map(\.height) == [1080, 720, 480])
        #expect(plan(width: 1280, height: 720).rungs.map(\.height) == [720, 480])
        // Below the smallest rung: one rung at the source height, with the smallest rung's settings.
        let tiny = plan(width: 320, height: 241)
        #expect(tiny.rungs.map(\.height) == [240])
        #expect(tiny.rungs.first?.settings.videoBitrate == 1_400_000)
    }

    @Test func sizesKeepTheAspectAndAreEven() {
        for rung in plan(width: 1440, height: 1080).rungs + plan(width: 1080, height: 1920).rungs {
            #expect(rung.width % 2 == 0 && rung.height % 2 == 0)
        }
        #expect(plan(width: 1440, height: 1080).rungs.map(\.width) == [1440, 960, 640])
        // Portrait (after rotation): 1080x1920 display keeps the 1080 and 720 rungs narrow.
        #expect(plan(width: 1080, height: 1920).rungs.map(\.width) == [608, 406, 270])
    }

    @Test func threadsFollowThePixelShare() {
        // 1080/720/480: 56 %, 25 %, 11 % of the pixels on 2 cores: one thread each, the cores stay busy.
        #expect(plan(width: 1920, height: 1080).rungs.map(\.threads) == [1, 1, 1])
        // A single rung gets both cores.
        #expect(plan(width: 640, height: 480).rungs.map(\.threads) == [2])
    }

    @Test func frameRateIsCappedByWholeDivisors() {
        #expect(LadderPlan.outputRate(source: (60, 1), cap: 30) == (30, 1))
        #expect(LadderPlan.outputRate(source: (50, 1), cap: 30) == (25, 1))
        #expect(LadderPlan.outputRate(source: (30000, 1001), cap: 30) == (30000, 1001))
        #expect(LadderPlan.outputRate(source: (60000, 1001), cap: 30) == (30000, 1001))
        #expect(LadderPlan.outputRate(source: nil, cap: 30) == (25, 1))
    }

    @Test func gopIsSegmentTimesFrameRate() {
        #expect(plan(width: 1920, height: 1080).gop == 120)  // 4 s × 30 fps
        #expect(plan(width: 1920, height: 1080, rate: (25, 1)).gop == 100)
    }

    @Test func converterRepeatsAndDropsToConstantRate() {
        // 10 fps output from a source that pauses: frames at 0, 0.1, then 0.5.
        var converter = FrameRateConverter(fps: 10)
        #expect(converter.slotsBefore(time: 0) == 0)
        #expect(converter.slotsBefore(time: 0.1) == 1)  // slot 0 shows frame 0
        #expect(converter.slotsBefore(time: 0.5) == 4)  // frame 0.1 fills slots 1 to 4
        #expect(converter.slotsUntil(end: 0.6) == 1)
        // 30 fps source into 10 fps: two of three frames dropped.
        var down = FrameRateConverter(fps: 10)
        let filled = (0..<30).map { down.slotsBefore(time: Double($0) / 30) }.reduce(0, +)
        #expect(filled + down.slotsUntil(end: 1) == 10)
    }

    @Test func isoDurations() {
        #expect(DASHManifest.isoDuration(2) == "PT2.000S")
        #expect(DASHManifest.isoDuration(62.5) == "PT1M2.500S")
        #expect(DASHManifest.isoDuration(3723) == "PT1H2M3.000S")
    }

    @Test func codecStringFromAnnexBAndAvcC() {
        let annexB: [UInt8] = [0, 0, 0, 1, 0x67, 0x64, 0x00, 0x28, 0xAC]
        #expect(CodecString.h264(extradata: annexB) == "avc1.640028")
        let avcC: [UInt8] = [1, 0x4D, 0x40, 0x1F, 0xFF]
        #expect(CodecString.h264(extradata: avcC) == "avc1.4D401F")
    }

    @Test func mediaPlaylistFromAnIndex() {
        let track = TrackIndex(
            id: "v720",
            initFile: "v720/init.mp4",
            initBytes: 800,
            initSHA256: "",
            timescale: 1000,
            segments: [
                .init(file: "v720/seg_00001.m4s", start: 0, duration: 4000, bytes: 1_000_000, sha256: ""),
                .init(file: "v720/seg_00002.m4s", start: 4000, duration: 2500, bytes: 500_000, sha256: ""),
            ],
            presentationOffset: 0,
            codecs: "avc1.64001F"
        )
        let text = HLSPlaylist.media(track)
        #expect(text.contains("#EXT-X-TARGETDURATION:4\n"))
        #expect(text.contains("#EXT-X-MAP:URI=\"init.mp4\"\n"))
        #expect(text.contains("#EXTINF:2.500000,\nseg_00002.m4s\n"))
        #expect(track.peakBandwidth == 2_000_000)
        #expect(track.averageBandwidth == 1_846_154)
        // Variable segments (passthrough cuts): the target is the longest rounded up, 4.2 s → 5.
        var longer = track
        longer.segments[1].duration = 4200
        #expect(HLSPlaylist.media(longer).contains("#EXT-X-TARGETDURATION:5\n"))
    }
}

@Suite struct FrameQueueCapacityTests {
    /// Deeper queues for ordinary sources, but the decoded pictures they can hold stay within 24 MiB, with a floor of
    /// two frames (one being encoded, one ready).
    @Test(arguments: [(1920, 1080, 1.5), (1920, 1080, 3.0), (3840, 2160, 1.5), (7680, 4320, 3.0), (640, 360, 1.5)])
    func holdsAtMost24MiBOfPictures(width: Int, height: Int, bytesPerPixel: Double) {
        let frameBytes = Int(Double(width * height) * bytesPerPixel)
        let capacity = LadderPlan.queueCapacity(frameBytes: frameBytes)
        #expect(capacity >= 2)
        #expect(capacity == 2 || capacity * frameBytes <= 24 << 20)
        if frameBytes <= 4 << 20 { #expect(capacity > 2, "1080p 4:2:0 and smaller get room to run ahead") }
    }
}
