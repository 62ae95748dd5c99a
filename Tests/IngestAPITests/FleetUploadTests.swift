import Foundation
import TestSupport
import Testing

/// Two agents of one fleet (one PostgreSQL database) whose upload folder, watched folder and store are one shared
/// filesystem, each under a path of its own (as two machines mount one share): a tus upload begun against one agent
/// is resumed against the other after the first one stopped and its mount went away, so nothing can reach the
/// bytes through the first agent's paths.
@Suite("tus uploads across a fleet", .timeLimit(.minutes(6)))
struct FleetUploadTests {
    @Test func anUploadBegunOnOneAgentIsFinishedOnTheOther() async throws {
        try await TestPostgres.withFreshDatabase { place in
            let share = try TempDirectory()
            defer { share.remove() }
            for folder in ["inbox", "uploads", "published"] { _ = try share.mkdir(folder) }
            // Each agent's mount of the share.
            let (mountA, mount) = (share.path + "-mount-a", share.path + "-mount-b")
            for path in [mountA, mount] {
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: share.path)
            }
            defer { for path in [mountA, mount] { try? FileManager.default.removeItem(atPath: path) } }
            let token = "fleet-token-" + UUID().uuidString.lowercased()
            let tokenFile = try share.write("api-token", token, mode: 0o600)
            var url = place
            url.password = nil
            let daemons = try [("agent-a", mountA), ("agent-b", mount)].map { name, root in
                try APIDaemon(
                    extraConfig: """
                        upload_dir = "\(root)/uploads"
                        token_file = "\(tokenFile)"

                        [database]
                        url = "\(url)"
                        """,
                    name: name,
                    store: "file://\(root)/published",
                    inbox: root + "/inbox",
                    environment: ["PGPASSWORD": place.password ?? ""]
                )
            }
            defer { for daemon in daemons { daemon.remove() } }
            let (a, b) = (daemons[0], daemons[1])
            try await a.start()
            try await b.start()

            let source = a.dir.path + "/take.mp4"
            try await Fixtures.clip(source, seconds: 6, size: "640x360", noise: true)
            let size = try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int ?? 0
            let client = try Fixtures.pythonProcess(
                "tus_client.py",
                ["upload", a.base + "/api/videos/tus", token, source, "131072", "\(size / 2)"]
            )
            let paused = try await client.waitForLine(containing: "\"paused\"")
            client.signal(SIGKILL)
            _ = await client.waitForExit()
            let offset = try #require(TusTests.number(paused, "paused"))
            let created = try #require(client.output.compactMap { TusTests.string($0, "url") }.first)
            let id = String(created.split(separator: "/").last ?? "")
            #expect(created.hasPrefix(a.base))
            #expect(await a.stop() == 0)
            try FileManager.default.removeItem(atPath: mountA)

            // The other agent knows the upload and its acknowledged offset, and takes the rest.
            let head = try await b.call(
                "HEAD",
                "/api/videos/tus/\(id)",
                headers: ["Tus-Resumable": "1.0.0", "Authorization": "Bearer \(token)"]
            )
            #expect(head.status == 200 && head.header("Upload-Offset") == "\(offset)")
            let resumed = try Fixtures.pythonProcess(
                "tus_client.py",
                ["resume", b.base + "/api/videos/tus/\(id)", token, source, "131072"]
            )
            let done = try await resumed.waitForLine(containing: "\"done\"")
            #expect(resumed.output.compactMap { TusTests.number($0, "start") }.first == offset)
            #expect(TusTests.number(done, "sent") == size - offset)
            let metrics = try await MetricsTests.scrape(b)
            #expect(metrics.value("reel_ingest_upload_received_bytes_total") == Double(size - offset))

            // One file in the shared folder, byte-identical, one job, published by the agent still running.
            let landed = share.path + "/inbox/resumed take.mp4"
            #expect(try await Fixtures.sha256(landed) == (try await Fixtures.sha256(source)))
            let status = try await b.waitForState(1, ["published"])
            #expect(status["jobId"] as? Int == 1)
            let jobs = try await b.call("GET", "/api/videos/processing/jobs").json()["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.count == 1, "\(jobs)")
            #expect(jobs.first?["source"] as? String == mount + "/inbox/resumed take.mp4", "under b's own mount")
            #expect(try FileManager.default.contentsOfDirectory(atPath: share.path + "/uploads").isEmpty)
        }
    }
}
