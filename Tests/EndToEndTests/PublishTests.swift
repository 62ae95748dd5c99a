import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// Three clips of different kinds in two watched folders, one bad file among them: everything the agent publishes
/// is checked by independent tools (aws CLI, ffprobe through Varnish, curl for cache status, SHA-256 of what the
/// bucket holds).
@Suite("end to end: publishing", .serialized)
struct PublishTests {
    @Test(.timeLimit(.minutes(5))) func clipsFromTwoFoldersArePublishedThroughTheCDN() async throws {
        let servers = try Servers.require()
        var world = try TestWorld("publish", servers: servers)
        defer { world.remove() }
        world.extraStorage = "archive_original = true"
        try world.writeConfig()
        let line1 = try world.watch("line-1")
        let line2 = try world.watch("line-2")
        let sources = try world.dir.mkdir("sources")
        let a = try await Clips.h264(sources + "/take a.mp4", seconds: 4)
        let b = try await Clips.mpeg4Silent(sources + "/b.mov")
        let c = try await Clips.vp8(sources + "/c.mkv")
        let bad = try world.dir.write("sources/notes.mp4", "minutes of the shift meeting, not a video")

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(a, into: line1)
        try world.drop(bad, into: line1)
        try world.drop(b, into: line2)
        try world.drop(c, into: line2)

        let jobs = try await waitForJobs(world, agent: agent, "three published, one rejected") { jobs in
            jobs.filter { $0.state == .published }.count == 3 && jobs.contains { $0.state == .rejected }
        }
        let rejected = try #require(jobs.first { $0.state == .rejected })
        #expect(rejected.sourcePath.hasSuffix("notes.mp4"))
        #expect(rejected.lastError == "not a video file")
        #expect(FileManager.default.fileExists(atPath: line1 + "/notes.mp4.error.txt"))

        // Each job said when it became playable (its master playlist stored), before its MP4 and video.json.
        let logLines = agent.log.split(separator: "\n")
        for job in jobs where job.state == .published {
            let lines = logLines.filter { $0.contains("job=\(job.id ?? 0) ") }
            let playable = lines.firstIndex { $0.contains("] playable") }
            let uploaded = lines.firstIndex { $0.contains("] uploaded") }
            #expect((playable ?? .max) < (uploaded ?? -1), "job \(job.id ?? 0): playable, then uploaded")
        }

        let bucketDir = try world.dir.mkdir("bucket")
        try await servers.download(world.prefix, into: bucketDir)
        for job in jobs where job.state == .published {
            let video = try await world.publishedVideo(job.videoId)
            #expect(video.videoId == job.videoId)
            #expect(video.videoId == String(try #require(job.contentSha256).prefix(24)))
            #expect(video.revision == job.publishedRevision)
            let folder = "\(world.prefix)/videos/\(job.videoId)"

            // The bucket holds exactly what video.json names (plus video.json), with the sizes and hashes it says.
            let expected = Set(video.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
            #expect(Set(try await servers.keys(under: folder)) == expected)
            for file in video.allFiles {
                let local = bucketDir + "/\(world.prefix)/videos/\(job.videoId)/" + file.path
                let data = try Data(contentsOf: URL(fileURLWithPath: local))
                #expect(Int64(data.count) == file.bytes, "\(file.path)")
                #expect(try await sha256(local) == file.sha256, "\(file.path)")
            }
            #expect(video.original?.sha256 == job.contentSha256)

            // Independent players read both manifests through the CDN.
            let master = world.cdnBase + "/videos/\(job.videoId)/" + video.media.hlsMaster.path
            let mpd = world.cdnBase + "/videos/\(job.videoId)/" + video.media.dashManifest.path
            for manifest in [master, mpd] {
                let probe = try await runProcessAsync(
                    "/usr/bin/ffprobe",
                    ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", manifest]
                )
                let duration = Double(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                #expect(probe.status == 0, "\(manifest): \(probe.stderr)")
                #expect(abs(duration - video.media.duration) < 0.5, "\(manifest)")
            }

            // What it cost, per stage and per format.
            let analytics = try await world.database().analytics(job: try #require(job.id))
            let stages = Set(analytics.filter { $0.metric == "stage_seconds" }.compactMap(\.format))
            #expect(stages == ["transcoding", "uploading", "distributing"])
            let renditions = Set(video.media.renditions.map(\.id))
            let measured = Set(analytics.filter { $0.metric == "bytes" }.compactMap(\.format))
            #expect(renditions.isSubset(of: measured) && measured.contains("mp4"))
            #expect(analytics.contains { $0.metric == "upload_seconds" && $0.format == "mp4" })

            // Every pre-warmed object is now served from the cache.
            let warmed = try await world.database().cdnActions(job: try #require(job.id)).filter {
                $0.action == "prewarm"
            }
            #expect(warmed.count >= 6)
            for action in warmed {
                #expect(action.status == .ok && action.httpStatus == 200, "\(action.url): \(action.error ?? "")")
            }
            for action in warmed {
                // Manifests are cached for a minute (segments for a year): one warmed longer ago may have expired.
                let manifest = [".json", ".m3u8", ".mpd"].contains { action.url.hasSuffix($0) }
                if manifest && Date().timeIntervalSince(action.updatedAt ?? action.createdAt) > 50 { continue }
                #expect(try await cacheStatus(action.url) == "HIT", "\(action.url)")
            }
        }
    }
}

/// `X-Cache` of a GET through Varnish.
func cacheStatus(_ url: String) async throws -> String {
    let result = try await runProcessAsync("/usr/bin/curl", ["-s", "-o", "/dev/null", "-D", "-", url])
    let header = result.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-cache:") }
    return header.map { String($0.dropFirst("x-cache:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
}

/// `sha256sum`: an independent hash of what the bucket returned.
func sha256(_ path: String) async throws -> String {
    let result = try await runProcessAsync("/usr/bin/sha256sum", [path])
    return String(result.stdout.prefix(64))
}
