import Crypto
import Foundation
import TestSupport
import Testing

/// The chunked upload API (initiate / chunk / complete), interrupted half-way, resumed after the agent restarted.
@Suite("Chunked upload API", .timeLimit(.minutes(5)))
struct ChunkedUploadTests {
    @Test func interruptedUploadResumesAfterRestartAndIsIngestedOnce() async throws {
        let daemon = try APIDaemon(extraConfig: "max_chunk_size = \"256KiB\"")
        defer { daemon.remove() }
        try await daemon.start()
        let source = daemon.dir.path + "/source.mp4"
        try await Fixtures.clip(source, seconds: 4, size: "640x360", noise: true)
        let file = try Data(contentsOf: URL(fileURLWithPath: source))
        let sha256 = SHA256.hash(data: file).map { String(format: "%02x", $0) }.joined()

        let initiate: [String: Any] = [
            "filename": "line 3/chunked take.mp4", "size": file.count, "watch": "inbox",
            "metadata": ["title": "Chunked take", "process": "welding", "customerAccess": ["acme", "globex"]],
        ]
        #expect(try await daemon.call("POST", "/api/videos/upload/initiate", json: initiate).status == 401)
        let started = try await daemon.call("POST", "/api/videos/upload/initiate", auth: true, json: initiate)
        #expect(started.status == 201)
        let upload = try started.json()
        let id = try #require(upload["uploadId"] as? String)
        let chunk = 200_000
        #expect(upload["offset"] as? Int == 0 && upload["filename"] as? String == "chunked take.mp4")

        // Half the chunks, then the "client" stops.
        var offset = try await send(file, from: 0, until: file.count / 2, chunk: chunk, id: id, to: daemon)
        // A chunk over max_chunk_size, a wrong offset, completing early: refused, nothing changes.
        let huge = try await daemon.call(
            "POST",
            "/api/videos/upload/chunk?uploadId=\(id)&offset=\(offset)",
            auth: true,
            body: Data(count: 300_000)
        )
        #expect(huge.status == 413)
        let wrong = try await daemon.call(
            "POST",
            "/api/videos/upload/chunk?uploadId=\(id)&offset=0",
            auth: true,
            body: file.subdata(in: 0..<10)
        )
        #expect(wrong.status == 409)
        #expect((try wrong.json()["error"] as? [String: Any])?["details"] as? [String: Int] == ["offset": offset])
        let early = try await daemon.call("POST", "/api/videos/upload/complete", auth: true, json: ["uploadId": id])
        #expect(early.status == 409)

        #expect(await daemon.stop() == 0)
        try await daemon.start()
        let status = try await daemon.call("GET", "/api/videos/upload/\(id)", auth: true).json()
        #expect(status["offset"] as? Int == offset && status["state"] as? String == "receiving")
        let resumeAt = offset
        offset = try await send(file, from: offset, until: file.count, chunk: chunk, id: id, to: daemon)
        #expect(offset == file.count)
        let badHash = try await daemon.call(
            "POST",
            "/api/videos/upload/complete",
            auth: true,
            json: ["uploadId": id, "sha256": String(repeating: "0", count: 64)]
        )
        #expect(badHash.status == 460)
        let complete = try await daemon.call(
            "POST",
            "/api/videos/upload/complete",
            auth: true,
            json: ["uploadId": id, "sha256": sha256]
        )
        #expect(complete.status == 200)
        let result = try complete.json()
        #expect(result["state"] as? String == "handed_off" && result["jobId"] as? Int == 1)
        let landed = try #require(result["path"] as? String)
        #expect(landed == daemon.inbox + "/chunked take.mp4")
        #expect(try await Fixtures.sha256(landed) == sha256)
        // Completing again is harmless: the same job.
        let twice = try await daemon.call("POST", "/api/videos/upload/complete", auth: true, json: ["uploadId": id])
        #expect(try twice.json()["jobId"] as? Int == 1)

        let metrics = try await MetricsTests.scrape(daemon)
        #expect(metrics.value("reel_ingest_upload_received_bytes_total") == Double(file.count - resumeAt))
        _ = try await daemon.waitForState(1, ["published"])
        let video = try await daemon.call("GET", "/api/videos/1").json()
        let metadata = video["metadata"] as? [String: Any] ?? [:]
        #expect(
            metadata["process"] as? String == "welding"
                && metadata["customerAccess"] as? [String] == ["acme", "globex"]
        )
        let jobs = try await daemon.call("GET", "/api/videos/processing/jobs").json()["jobs"] as? [Any] ?? []
        #expect(jobs.count == 1)
    }

    /// An upload whose bytes all arrived but whose video does not (the client sent half a recording): rejected at
    /// once, saying what is missing, without the wait a dropped file gets.
    @Test func anUploadOfHalfARecordingIsRejectedAtOnceAsIncomplete() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        let source = daemon.dir.path + "/source.mp4"
        try await Fixtures.clip(source, seconds: 2)
        let whole = try Data(contentsOf: URL(fileURLWithPath: source))
        let half = whole.prefix(whole.count / 2)
        let started = try await daemon.call(
            "POST",
            "/api/videos/upload/initiate",
            auth: true,
            json: ["filename": "half.mp4", "size": half.count, "watch": "inbox"]
        )
        let id = try #require(try started.json()["uploadId"] as? String)
        #expect(
            try await send(Data(half), from: 0, until: half.count, chunk: 1 << 20, id: id, to: daemon) == half.count
        )
        let complete = try await daemon.call("POST", "/api/videos/upload/complete", auth: true, json: ["uploadId": id])
        #expect(complete.status == 200)
        let job = try await daemon.waitForState(1, ["rejected"])
        let reason = try #require(job["lastError"] as? String)
        #expect(reason.hasPrefix("incomplete video file: box 'mdat' runs"), "\(reason)")
    }

    /// Sends `file` from `offset` in chunks until at least `until` bytes are acknowledged; returns the offset.
    func send(_ file: Data, from offset: Int, until: Int, chunk: Int, id: String, to daemon: APIDaemon) async throws
        -> Int
    {
        var offset = offset
        while offset < until {
            let end = min(offset + chunk, file.count)
            let reply = try await daemon.call(
                "POST",
                "/api/videos/upload/chunk?uploadId=\(id)&offset=\(offset)",
                auth: true,
                body: file.subdata(in: offset..<end)
            )
            #expect(reply.status == 200)
            offset = try reply.json()["offset"] as? Int ?? -1
        }
        return offset
    }
}
