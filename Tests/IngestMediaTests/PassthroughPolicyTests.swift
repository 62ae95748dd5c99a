import IngestCore
import Testing

@testable import IngestMedia

@Suite("segment cuts")
struct SegmentCutsTests {
    @Test func regularCutsEveryGOP() {
        let cuts = SegmentCuts.every(50)
        #expect(cuts.isCut(0) && cuts.isCut(100) && !cuts.isCut(75))
        #expect(cuts.start(ofSegment: 3) == 150)
        #expect(cuts.longest == 50)
        // 2 s segments at 25 fps, 48 kHz: 96,000 samples each, as audio has always been cut.
        #expect(cuts.audioBoundary(2, sampleRate: 48_000, fps: 25) == 192_000)
    }

    @Test func chosenIDRsAverageTheTarget() {
        // 2 s GOP at 25 fps, 3 s target, 9 s of video: 2 s (tie between 2 and 4 goes to the earlier), 6 s, and
        // not 8 s, which is farther from 9 s than the end is.
        let idrs = [0, 50, 100, 150, 200]
        #expect(SegmentCuts.choose(idrFrames: idrs, frameCount: 225, targetFrames: 75) == [0, 50, 150])
        // 10 s: 8 s is nearer to 9 s than the end.
        #expect(SegmentCuts.choose(idrFrames: idrs, frameCount: 250, targetFrames: 75) == [0, 50, 150, 200])
        // A GOP equal to the target cuts at every IDR.
        #expect(
            SegmentCuts.choose(idrFrames: [0, 100, 200, 300], frameCount: 400, targetFrames: 100) == [0, 100, 200, 300]
        )
        // 2 s GOP, 4 s target: every other IDR.
        #expect(
            SegmentCuts.choose(idrFrames: Array(stride(from: 0, to: 300, by: 50)), frameCount: 300, targetFrames: 100)
                == [0, 100, 200]
        )
        // Sparse IDRs (every 6 s, target 4 s): each one, without skipping to the grid point after it.
        #expect(
            SegmentCuts.choose(idrFrames: [0, 150, 300, 450], frameCount: 600, targetFrames: 100) == [0, 150, 300, 450]
        )
    }

    @Test func noSliverAtTheEnd() {
        // An IDR 0.2 s before the end of a 4 s-target stream would leave a last segment of 5 frames: not cut there.
        #expect(SegmentCuts.choose(idrFrames: [0, 100, 195], frameCount: 200, targetFrames: 100) == [0, 100])
    }

    @Test func listedCuts() {
        let cuts = SegmentCuts.at([0, 50, 150, 200], frameCount: 225)
        #expect(cuts.isCut(150) && !cuts.isCut(100))
        #expect(cuts.start(ofSegment: 2) == 150)
        #expect(cuts.start(ofSegment: 4) == Int.max)
        #expect(cuts.longest == 100)
        #expect(cuts.audioBoundary(1, sampleRate: 48_000, fps: 25) == 96_000)
        #expect(cuts.audioBoundary(4, sampleRate: 48_000, fps: 25) == Int64.max)
    }
}

@Suite("H.264 bitstream")
struct H264BitstreamTests {
    @Test func findsIDRInLengthPrefixedAndAnnexB() {
        // avcC: version 1, profile, compat, level, 0xFF → 4-byte lengths.
        let avcC: [UInt8] = [1, 0x64, 0, 0x28, 0xFF, 0xE1]
        #expect(H264Bitstream.lengthSize(extradata: avcC) == 4)
        let idr: [UInt8] = [0, 0, 0, 2, 0x06, 0x05, 0, 0, 0, 3, 0x65, 0x88, 0x80]
        let nonIDR: [UInt8] = [0, 0, 0, 3, 0x41, 0x9A, 0x00]
        idr.withUnsafeBytes { #expect(H264Bitstream.nalTypes($0, lengthSize: 4) == [6, 5]) }
        nonIDR.withUnsafeBytes { #expect(!H264Bitstream.containsIDR($0, lengthSize: 4)) }
        let annexB: [UInt8] = [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x67, 0x64, 0, 0, 1, 0x65, 0x88]
        #expect(H264Bitstream.lengthSize(extradata: []) == nil)
        annexB.withUnsafeBytes { #expect(H264Bitstream.nalTypes($0, lengthSize: nil) == [9, 7, 5]) }
    }
}

@Suite("passthrough policy")
struct PassthroughPolicyTests {
    private let compliant = PassthroughPolicy.StreamFacts(
        codec: "h264",
        profile: "High",
        pixelFormat: "yuv420p",
        bitDepth: 8,
        fieldOrder: "progressive",
        sampleAspectRatio: "1:1",
        rotation: 0,
        variableFrameRate: false,
        frameRate: 30,
        averageFrameRate: 30,
        width: 1920,
        height: 1080,
        hasConfiguration: true,
        bitRate: 5_000_000
    )

    private func reason(_ change: (inout PassthroughPolicy.StreamFacts) -> Void, profile: Profile = .standard)
        -> String?
    {
        var facts = compliant
        change(&facts)
        return PassthroughPolicy.streamRefusal(facts, profile: profile)
    }

    @Test func compliantSourcePasses() {
        #expect(reason { _ in } == nil)
        // Below the top rung is fine; Main and Baseline too.
        #expect(
            reason {
                $0.height = 720; $0.width = 1280; $0.profile = "Main"
            } == nil
        )
        #expect(reason { $0.profile = "Constrained Baseline" } == nil)
    }

    @Test func eachConditionHasItsReason() {
        #expect(
            reason(
                { _ in },
                profile: {
                    var p = Profile.standard; p.passthrough = .never; return p
                }()
            )
                == "passthrough = \"never\" in the profile"
        )
        #expect(reason { $0.codec = "hevc" } == "video codec hevc (needs h264)")
        #expect(
            reason {
                $0.bitDepth = 10; $0.pixelFormat = "yuv420p10le"
            } == "10-bit video (yuv420p10le; needs 8-bit 4:2:0)"
        )
        #expect(reason { $0.pixelFormat = "yuv444p" } == "pixel format yuv444p (needs 8-bit 4:2:0, yuv420p)")
        #expect(reason { $0.profile = "High 4:2:2" } == "H.264 profile High 4:2:2 (needs Baseline, Main or High)")
        #expect(reason { $0.fieldOrder = "tt" } == "interlaced video (field order tt)")
        #expect(reason { $0.sampleAspectRatio = "4:3" } == "non-square pixels (SAR 4:3)")
        #expect(reason { $0.rotation = 90 } == "rotation to apply: 90° (display matrix)")
        #expect(
            reason {
                $0.variableFrameRate = true; $0.averageFrameRate = 27.5
            }
                == "variable frame rate (27.50 fps on average, 30 nominal)"
        )
        #expect(reason { $0.frameRate = 60 } == "60 fps exceeds max_frame_rate 30")
        #expect(
            reason {
                $0.height = 2160; $0.width = 3840
            } == "height 2160 above the top rung's 1080"
        )
        #expect(reason { $0.hasConfiguration = false } == "no SPS/PPS in the container (H.264 configuration missing)")
        // The automatic ceiling of the standard profile: 5350k + 7500k / 4 s.
        #expect(Profile.standard.effectivePassthroughMaxBitrate == 7_225_000)
        #expect(reason { $0.bitRate = 9_000_000 } == "average bit rate 9000 kbit/s over the ceiling of 7225 kbit/s")
    }

    @Test func keyframesAndPeakRate() {
        var profile = Profile.standard
        #expect(profile.effectivePassthroughMaxKeyframeInterval == 8)
        #expect(PassthroughPolicy.packetRefusal(longestGap: 8, peakBitrate: 7_000_000, profile: profile) == nil)
        #expect(
            PassthroughPolicy.packetRefusal(longestGap: 12, peakBitrate: 1, profile: profile)
                == "keyframes 12.0 s apart (max 8.0 s)"
        )
        #expect(
            PassthroughPolicy.packetRefusal(longestGap: 2, peakBitrate: 7_300_000, profile: profile)
                == "peak bit rate 7300 kbit/s over the ceiling of 7225 kbit/s"
        )
        profile.passthroughMaxBitrate = 8_000_000
        profile.passthroughMaxKeyframeInterval = .seconds(20)
        #expect(PassthroughPolicy.packetRefusal(longestGap: 12, peakBitrate: 7_300_000, profile: profile) == nil)
    }

    @Test func peakIgnoresAShortTail() {
        // Four 1-frame-per-second "segments" of 1,000 bytes a frame at 25 fps, then a 5-frame tail of big frames.
        let scan = SourceScan(
            timing: SourceTiming(firstPts: 0, ticksPerFrame: 1),
            frameCount: 105,
            idrFrames: [0, 50, 100],
            frameBytes: Array(repeating: 1000, count: 100) + Array(repeating: 50_000, count: 5),
            earliestDecode: 0
        )
        #expect(scan.longestKeyframeGap == 50)
        #expect(scan.peakBitrate(cuts: [0, 50, 100], fps: 25, minimumFrames: 25) == 200_000)
        #expect(scan.peakBitrate(cuts: [0, 50, 100], fps: 25, minimumFrames: 1) == 10_000_000)
    }
}
