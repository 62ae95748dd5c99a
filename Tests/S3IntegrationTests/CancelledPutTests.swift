import Foundation
import IngestCore
import IngestPublish
import TestSupport
import Testing

/// A job stopped while one of its objects is on the way: the object must end either not stored or stored and
/// reported, never stored behind the caller's back (nothing would name or remove it).
@Suite("A PUT cancelled once its body reached the server")
struct CancelledPutTests {
    @Test func runsToItsEndAndReportsTheStoredObject() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let file = try scratch.randomFile("seg_00001.m4s", size: 200_000)
        let prefix = S3TestServer.uniquePrefix("cancelled-put")
        // The proxy reads the whole body, notes it, then holds the request 3 s before passing it on: the job is
        // stopped once the note is there, while the server has everything and has not answered yet (curl asks
        // whether to go on several times a second while it waits for the answer).
        let held = scratch.path + "/held"
        let proxy = try FaultProxy(upstream: server.endpoint, failures: 0, delay: .seconds(3), held: held)
        defer { proxy.stop() }
        let store = try server.store(prefix: prefix, endpoint: proxy.endpoint, concurrency: 1)
        let stopped = { @Sendable in FileManager.default.fileExists(atPath: held) }
        let result = await Task.detached { () -> Result<StoredObject, any Error> in
            Result { try store.makeUploader().put(file: file, key: "seg_00001.m4s", jobId: nil, isCancelled: stopped) }
        }.value
        #expect(stopped(), "the job was stopped while the proxy held the request")
        let stored = try result.get()
        #expect(stored.key == prefix + "/seg_00001.m4s")
        let head = try await server.aws(["s3api", "head-object", "--bucket", server.bucket, "--key", stored.key])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(head.stdout.utf8)) as? [String: Any])
        #expect(json["ETag"] as? String == stored.etag)
        #expect(json["ContentLength"] as? Int == 200_000)
    }
}
