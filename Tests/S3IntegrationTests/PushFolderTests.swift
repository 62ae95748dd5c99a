import Foundation
import TestSupport
import Testing

@Suite("push of a folder: publish order, to S3 and to a file store")
struct PushFolderTests {
    /// A small publish set as the packager lays it out.
    func makeSet(_ scratch: TempDirectory) throws -> String {
        let root = scratch.path + "/out"
        for dir in ["720p", "thumbs"] {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for name in [
            "video.json", "master.m3u8", "manifest.mpd", "720p/playlist.m3u8", "720p/init.mp4", "720p/seg-1.m4s",
            "720p/seg-2.m4s", "thumbs/poster.jpg", "video.mp4",
        ] {
            _ = try scratch.randomFile("out/" + name, size: 2_000 + name.count)
        }
        return root
    }

    @Test func folderGoesUpInPublishOrder() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let root = try makeSet(scratch)
        let prefix = S3TestServer.uniquePrefix("folder")
        let config = try scratch.config(server: server, prefix: "tests")
        let result = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["push", "--config", config, "--progress", "json", root, "s3://\(server.bucket)/\(prefix)"],
            environment: server.awsEnvironment
        )
        #expect(result.status == 0, "\(result.stderr)")
        let keys = jsonLines(result.stdout).filter { $0["event"] as? String == "done" }.compactMap {
            $0["key"] as? String
        }
        #expect(keys.count == 9)
        #expect(keys.last == "\(prefix)/video.json")
        func position(_ name: String) -> Int { keys.firstIndex(of: "\(prefix)/\(name)") ?? -1 }
        #expect(position("720p/seg-2.m4s") < position("720p/playlist.m3u8"))
        #expect(position("720p/init.mp4") < position("720p/playlist.m3u8"))
        #expect(position("720p/playlist.m3u8") < position("master.m3u8"))
        #expect(position("thumbs/poster.jpg") < position("video.json"))

        // (--prefix is the first segment only: moto mis-checks signatures of %2F in query values.)
        let listing = try await server.aws([
            "s3api", "list-objects-v2", "--bucket", server.bucket, "--prefix", "tests",
        ])
        let contents = (try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])?[
            "Contents"
        ]
        let stored = ((contents as? [[String: Any]]) ?? []).compactMap { $0["Key"] as? String }
        #expect(Set(stored.filter { $0.hasPrefix(prefix + "/") }) == Set(keys))
        let head = try await server.aws([
            "s3api", "head-object", "--bucket", server.bucket, "--key", "\(prefix)/master.m3u8",
        ])
        #expect(head.stdout.contains("application/vnd.apple.mpegurl"))
        #expect(head.stdout.contains("max-age=60"))
    }

    @Test func folderToAFileStore() async throws {
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let root = try makeSet(scratch)
        let target = scratch.path + "/published/videos/v1"
        let config = scratch.path + "/agent.toml"
        try "[agent]\nstate_dir = \"\(scratch.path)/state\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["push", "--config", config, root, "file://\(target)"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["video.json", "720p/seg-1.m4s", "thumbs/poster.jpg"] {
            #expect(try filesEqual(root + "/" + name, target + "/" + name))
        }
    }
}
