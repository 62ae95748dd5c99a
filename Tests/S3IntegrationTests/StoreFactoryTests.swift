import Foundation
import IngestAgent
import IngestCore
import IngestPublish
import IngestStore
import TestSupport
import Testing

@Suite("Stores built from the storage settings")
struct StoreFactoryTests {
    @Test func fileAndS3StoresPublishASet() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let database = try SQLiteStore(path: scratch.path + "/state/reel-ingest.sqlite")
        var settings = AgentConfig().storage
        settings.url = "file://\(scratch.path)/published"
        let fileStore = try StoreFactory.make(settings, database: database)
        let playlist = try scratch.randomFile("playlist.m3u8", size: 300)
        let segment = try scratch.randomFile("seg-1.m4s", size: 3_000)
        let stored = try await fileStore.publish(["v/playlist.m3u8": playlist, "v/seg-1.m4s": segment])
        #expect(stored.map(\.key) == ["v/seg-1.m4s", "v/playlist.m3u8"])
        #expect(try filesEqual(segment, scratch.path + "/published/v/seg-1.m4s"))

        let prefix = S3TestServer.uniquePrefix("factory")
        settings.url = "s3://\(server.bucket)/\(prefix)"
        settings.endpoint = server.endpoint
        settings.pathStyle = true
        #expect(throws: StoreFactory.Failure.self) {
            try StoreFactory.make(settings, database: database, environment: [:])
        }
        let s3Store = try StoreFactory.make(settings, database: database, environment: server.awsEnvironment)
        let uploaded = try await s3Store.publish(["v/playlist.m3u8": playlist, "v/seg-1.m4s": segment])
        #expect(uploaded.map(\.key) == ["\(prefix)/v/seg-1.m4s", "\(prefix)/v/playlist.m3u8"])
        let back = scratch.path + "/back.m4s"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(prefix)/v/seg-1.m4s", back])
        #expect(try filesEqual(segment, back))
    }
}
