import Crypto
import Foundation
import TestSupport
import Testing

/// tus 1.0 against an independent client (tuspy), killed half-way and resumed after the agent itself restarted;
/// and the protocol's refusals.
@Suite("tus uploads", .timeLimit(.minutes(6)))
struct TusTests {
    @Test func killedClientResumesAfterAgentRestartSendingOnlyTheMissingBytes() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        let source = daemon.dir.path + "/take.mp4"
        try await Fixtures.clip(source, seconds: 6, size: "640x360", noise: true)
        let size = try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int ?? 0
        #expect(size > 1_000_000)

        let client = try Fixtures.pythonProcess(
            "tus_client.py",
            ["upload", daemon.base + "/api/videos/tus", daemon.token, source, "131072", "\(size / 2)"]
        )
        let paused = try await client.waitForLine(containing: "\"paused\"")
        client.signal(SIGKILL)
        _ = await client.waitForExit()
        let offset = try #require(Self.number(paused, "paused"))
        let url = try #require(client.output.compactMap { Self.string($0, "url") }.first)
        let id = String(url.split(separator: "/").last ?? "")
        #expect(offset >= size / 2 && offset < size)

        // The acknowledged offset survives the agent's restart.
        #expect(await daemon.stop() == 0)
        try await daemon.start()
        let head = try await daemon.call(
            "HEAD",
            "/api/videos/tus/\(id)",
            auth: true,
            headers: ["Tus-Resumable": "1.0.0"]
        )
        #expect(head.status == 200 && head.header("Upload-Offset") == "\(offset)")
        #expect(
            head.header("Upload-Length") == "\(size)" && head.header("Upload-Metadata")?.contains("filename") == true
        )
        #expect(head.header("Upload-Expires") != nil)
        // Nothing is in the watch folder before the last byte.
        #expect(try FileManager.default.contentsOfDirectory(atPath: daemon.inbox).isEmpty)

        let resumed = try Fixtures.pythonProcess(
            "tus_client.py",
            ["resume", daemon.base + "/api/videos/tus/\(id)", daemon.token, source, "131072"]
        )
        let done = try await resumed.waitForLine(containing: "\"done\"")
        #expect(resumed.output.compactMap { Self.number($0, "start") }.first == offset)
        #expect(Self.number(done, "sent") == size - offset)
        // The restarted agent received exactly the missing bytes.
        let metrics = try await MetricsTests.scrape(daemon)
        #expect(metrics.value("reel_ingest_upload_received_bytes_total") == Double(size - offset))

        // Byte-identical, in the folder under its name, ingested once, published.
        let landed = daemon.inbox + "/resumed take.mp4"
        #expect(try await Fixtures.sha256(landed) == (try await Fixtures.sha256(source)))
        let status = try await daemon.waitForState(1, ["published"])
        #expect(status["jobId"] as? Int == 1)
        let jobs = try await daemon.call("GET", "/api/videos/processing/jobs").json()["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.count == 1 && jobs.first?["source"] as? String == landed)
        let video = try await daemon.call("GET", "/api/videos/1").json()
        let metadata = video["metadata"] as? [String: Any] ?? [:]
        #expect(metadata["title"] as? String == "Resumed" && metadata["machineModel"] as? String == "M-200")
        #expect(metadata["tags"] as? [String] == ["tus", "resume"])
        // The same file again is a duplicate of job 1, never transcoded twice.
        let again = try await Fixtures.runPython(
            "tus_client.py",
            ["upload", daemon.base + "/api/videos/tus", daemon.token, source, "4194304", "\(size * 2)"]
        )
        #expect(again.status == 0)
        let duplicate = try await daemon.waitForState(2, ["duplicate"])
        #expect(duplicate["state"] as? String == "duplicate")
        #expect(FileManager.default.fileExists(atPath: daemon.inbox + "/resumed take (2).mp4"))
    }

    @Test func refusalsOfTheProtocol() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        let tus = ["Tus-Resumable": "1.0.0"]

        let options = try await daemon.call("OPTIONS", "/api/videos/tus")
        #expect(options.status == 204 && options.header("Tus-Version") == "1.0.0")
        #expect(options.header("Tus-Extension") == "creation,creation-with-upload,termination,checksum,expiration")
        #expect(options.header("Tus-Max-Size") == "\(64 * 1_048_576)")
        #expect(options.header("Tus-Checksum-Algorithm")?.contains("sha1") == true)

        // Uploads need the token; the size is checked before any byte is written.
        let meta = "filename " + Data("clip.mp4".utf8).base64EncodedString()
        var create = tus.merging(["Upload-Length": "1000", "Upload-Metadata": meta]) { $1 }
        #expect(try await daemon.call("POST", "/api/videos/tus", headers: create).status == 401)
        create["Upload-Length"] = "\(64 * 1_048_576 + 1)"
        let tooLarge = try await daemon.call("POST", "/api/videos/tus", auth: true, headers: create)
        #expect(tooLarge.status == 413 && tooLarge.errorMessage.contains("limits.max_file_size"))
        let uploads = daemon.dir.path + "/state/uploads"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
        let badName = try await daemon.call(
            "POST",
            "/api/videos/tus",
            auth: true,
            headers: tus.merging([
                "Upload-Length": "10", "Upload-Metadata": "filename " + Data("notes.txt".utf8).base64EncodedString(),
            ]) { $1 }
        )
        #expect(badName.status == 400)
        let badWatch = try await daemon.call(
            "POST",
            "/api/videos/tus",
            auth: true,
            headers: tus.merging([
                "Upload-Length": "10", "Upload-Metadata": meta + ",watch " + Data("nope".utf8).base64EncodedString(),
            ]) { $1 }
        )
        #expect(badWatch.status == 400 && badWatch.errorMessage.contains("no watched folder named \"nope\""))
        #expect(
            try await daemon.call("POST", "/api/videos/tus", auth: true, headers: ["Upload-Length": "10"]).status == 400
        )
        let oldVersion = try await daemon.call(
            "POST",
            "/api/videos/tus",
            auth: true,
            headers: ["Tus-Resumable": "0.2.2"]
        )
        #expect(oldVersion.status == 412)

        create["Upload-Length"] = "1000"
        let created = try await daemon.call("POST", "/api/videos/tus", auth: true, headers: create)
        #expect(created.status == 201)
        let location = try #require(created.header("Location"))
        let patch = tus.merging(["Content-Type": "application/offset+octet-stream"]) { $1 }
        let bytes = Data((0..<100).map { UInt8($0) })
        // Wrong offset: 409 with the right one; a chunk whose sha1 does not match: 460 and nothing kept.
        let wrong = try await daemon.call(
            "PATCH",
            location,
            auth: true,
            headers: patch.merging(["Upload-Offset": "5"]) { $1 },
            body: bytes
        )
        #expect(wrong.status == 409 && wrong.errorMessage.contains("resume from 0"))
        let badSum = try await daemon.call(
            "PATCH",
            location,
            auth: true,
            headers: patch.merging([
                "Upload-Offset": "0", "Upload-Checksum": "sha1 " + Data(repeating: 1, count: 20).base64EncodedString(),
            ]) { $1 },
            body: bytes
        )
        #expect(badSum.status == 460)
        let afterBad = try await daemon.call("HEAD", location, auth: true, headers: tus)
        #expect(afterBad.header("Upload-Offset") == "0")
        let unknownAlgorithm = try await daemon.call(
            "PATCH",
            location,
            auth: true,
            headers: patch.merging(["Upload-Offset": "0", "Upload-Checksum": "crc99 AAAA"]) { $1 },
            body: bytes
        )
        #expect(unknownAlgorithm.status == 400)
        let good = try await daemon.call(
            "PATCH",
            location,
            auth: true,
            headers: patch.merging(["Upload-Offset": "0", "Upload-Checksum": "sha1 " + Self.sha1Base64(bytes)]) { $1 },
            body: bytes
        )
        #expect(good.status == 204 && good.header("Upload-Offset") == "100")
        let wrongType = try await daemon.call(
            "PATCH",
            location,
            auth: true,
            headers: tus.merging(["Upload-Offset": "100"]) { $1 },
            body: bytes
        )
        #expect(wrongType.status == 415)
        let overrun = try await daemon.call(
            "PATCH",
            location,
            auth: true,
            headers: patch.merging(["Upload-Offset": "100"]) { $1 },
            body: Data(count: 901)
        )
        #expect(overrun.status == 413)
        #expect(
            try await daemon.call("HEAD", "/api/videos/tus/0123456789abcdef0123456789abcdef", auth: true, headers: tus)
                .status == 404
        )
        #expect(try await daemon.call("HEAD", "/api/videos/tus/..", auth: true, headers: tus).status == 404)

        // Termination.
        let second = try await daemon.call("POST", "/api/videos/tus", auth: true, headers: create)
        let secondLocation = try #require(second.header("Location"))
        #expect(try await daemon.call("DELETE", secondLocation, auth: true, headers: tus).status == 204)
        #expect(try await daemon.call("HEAD", secondLocation, auth: true, headers: tus).status == 410)
    }

    @Test func expiredUploadsAreRemovedByRetrySweep() async throws {
        let daemon = try APIDaemon(extraConfig: "upload_expiry = \"1s\"")
        defer { daemon.remove() }
        try await daemon.start()
        let tus = ["Tus-Resumable": "1.0.0"]
        let meta = "filename " + Data("late.mp4".utf8).base64EncodedString()
        let created = try await daemon.call(
            "POST",
            "/api/videos/tus",
            auth: true,
            headers: tus.merging(["Upload-Length": "1000", "Upload-Metadata": meta]) { $1 }
        )
        #expect(created.status == 201 && created.header("Upload-Expires") != nil)
        let location = try #require(created.header("Location"))
        let id = String(location.split(separator: "/").last ?? "")
        let data = daemon.dir.path + "/state/uploads/\(id).upload"
        #expect(FileManager.default.fileExists(atPath: data))
        // Expiry is a time, not an event: wait past it (api.upload_expiry is 1 s here).
        try await Task.sleep(for: .milliseconds(1500))
        let sweep = try await runProcessAsync(APIDaemon.binary, ["retry-sweep", "--json", "--config", daemon.config])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect(sweep.stdout.contains(id) && sweep.stdout.contains("\"expired\""))
        #expect(!FileManager.default.fileExists(atPath: data))
        #expect(try await daemon.call("HEAD", location, auth: true, headers: tus).status == 410)
        let again = try await runProcessAsync(APIDaemon.binary, ["retry-sweep", "--config", daemon.config])
        #expect(!again.stdout.contains(id), "an upload is removed once")
    }

    static func sha1Base64(_ data: Data) -> String {
        Data(Insecure.SHA1.hash(data: data)).base64EncodedString()
    }

    static func number(_ line: String, _ key: String) -> Int? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?[key] as? Int
    }

    static func string(_ line: String, _ key: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?[key] as? String
    }
}
