import Foundation
import IngestCore
import Testing

@Suite("storage layout, published video.json, worker limits")
struct PublishLayoutTests {
    @Test func keysFollowTheDocumentedLayout() {
        #expect(VideoLayout.manifestKey("abc") == "videos/abc/video.json")
        #expect(VideoLayout.key("abc", "r1", "v360/seg_00001.m4s") == "videos/abc/r1/v360/seg_00001.m4s")
        #expect(VideoLayout.originalKey("abc", sourcePath: "/share/line 1/Take 1.MOV") == "videos/abc/original.mov")
        #expect(VideoLayout.originalName(sourcePath: "/share/noext") == "original")
        #expect(VideoLayout.originalName(sourcePath: "/share/odd.m p4") == "original")
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let revision = VideoLayout.newRevision(at: date)
        #expect(revision.hasPrefix("r20270115T080000Z-"))
        #expect(VideoLayout.isRevision(revision))
        #expect(!VideoLayout.isRevision("video.json"))
        #expect(VideoID.from(sha256: String(repeating: "AB", count: 32)) == String(repeating: "ab", count: 12))
    }

    @Test func publishedManifestFlattensTheMediaAndReadsBack() throws {
        let file = { (path: String) in VideoManifest.File(path: path, bytes: 10, sha256: "s") }
        let media = VideoManifest(
            source: ProbeReport(
                container: "mp4",
                formatName: "mp4",
                duration: 4,
                size: 10,
                bitRate: nil,
                videoStream: 0,
                audioStream: nil,
                displayWidth: 640,
                displayHeight: 360,
                streams: []
            ),
            duration: 4,
            segmentDuration: 2,
            hlsMaster: file("master.m3u8"),
            dashManifest: file("manifest.mpd"),
            renditions: [
                VideoManifest.Rendition(
                    id: "v360",
                    type: "video",
                    codecs: "avc1.64001e",
                    targetBitrate: 1,
                    peakBitrate: 2,
                    averageBitrate: 1,
                    duration: 4,
                    playlist: "v360/index.m3u8",
                    files: [file("v360/init.mp4"), file("v360/index.m3u8")]
                )
            ],
            mp4: VideoManifest.Progressive(rendition: "v360", width: 640, height: 360, file: file("video.mp4")),
            thumbnails: [
                VideoManifest.Thumbnail(label: "poster", time: 0, width: 640, height: 360, file: file("poster.jpg"))
            ]
        ).relocated(under: "r1")
        #expect(media.renditions[0].playlist == "r1/v360/index.m3u8")
        #expect(media.allFiles.allSatisfy { $0.path.hasPrefix("r1/") })
        let video = PublishedVideo(
            videoId: "abc",
            revision: "r1",
            publishedAt: Date(timeIntervalSince1970: 1_800_000_000),
            metadata: PublishedVideo.metadata(fromJSON: #"{"title":"Take 1","tags":["press","line 3"]}"#),
            sourceFile: .init(name: "Take 1.mov", bytes: 99, sha256: "f"),
            media: media,
            original: file("original.mov"),
            baseURL: "https://cdn.example/videos/abc"
        )
        let data = try video.encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // The platform reads these at the top level, beside the media fields.
        #expect(object["video_id"] as? String == "abc")
        #expect(object["revision"] as? String == "r1")
        #expect((object["hls_master"] as? [String: Any])?["path"] as? String == "r1/master.m3u8")
        #expect(object["hls_url"] as? String == "https://cdn.example/videos/abc/r1/master.m3u8")
        #expect(object["poster_url"] as? String == "https://cdn.example/videos/abc/r1/poster.jpg")
        #expect((object["metadata"] as? [String: Any])?["tags"] as? [String] == ["press", "line 3"])
        #expect(try PublishedVideo.decode(data) == video)
        #expect(video.allFiles.count == media.allFiles.count + 1)
    }

    @Test func workerLimitsTravelInTheEnvironment() {
        let limits = WorkerLimits(addressSpace: 8 << 30, cpuSeconds: 3600, nice: 10)
        #expect(limits.environmentValue == "as=8589934592,cpu=3600,nice=10")
        #expect(WorkerLimits(environmentValue: limits.environmentValue) == limits)
        #expect(WorkerLimits(environmentValue: "as=1,gpu=2") == nil)
        #expect(WorkerLimits(environmentValue: "nice=x") == nil)
        #expect(WorkerLimits(environmentValue: "nice=40")?.nice == 19)
    }
}
