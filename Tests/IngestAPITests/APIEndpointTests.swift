import Foundation
import TestSupport
import Testing

/// Every REST endpoint against the running daemon: answers, JSON errors, the token, 404s and 409s.
@Suite("Status API endpoints", .timeLimit(.minutes(5)))
struct APIEndpointTests {
    @Test func readsChangesAndErrorsOfARealJob() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()

        let health = try await daemon.call("GET", "/healthz")
        #expect(health.status == 200)
        let healthJSON = try health.json()
        #expect(healthJSON["status"] as? String == "ok")
        #expect((healthJSON["database"] as? [String: Any])?["ok"] as? Bool == true)
        let watchers = healthJSON["watchers"] as? [[String: Any]]
        #expect(watchers?.first?["name"] as? String == "inbox" && watchers?.first?["ok"] as? Bool == true)

        // A clip dropped into the folder becomes job 1 and is published by the pipeline.
        try await Fixtures.clip(daemon.dir.path + "/take.mp4")
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/take.mp4", toPath: daemon.inbox + "/take.mp4")
        let published = try await daemon.waitForState(1, ["published"])
        let stages = published["stages"] as? [[String: Any]] ?? []
        let states = stages.map { $0["state"] as? String ?? "" }
        #expect(states.starts(with: ["discovered", "stable", "probing", "transcoding", "uploading", "distributing"]))
        #expect(states.last == "published")
        let transcoding = stages.first { $0["state"] as? String == "transcoding" }
        #expect(transcoding?["outcome"] as? String == "ok" && transcoding?["finishedAt"] != nil)

        let video = try await daemon.call("GET", "/api/videos/1").json()
        let videoID = try #require(video["videoId"] as? String)
        #expect(videoID.count == 24)
        let formats = video["formats"] as? [[String: Any]] ?? []
        #expect(Set(formats.compactMap { $0["kind"] as? String }).isSuperset(of: ["hls", "dash", "mp4", "rendition"]))
        let mp4 = try #require(formats.first { $0["kind"] as? String == "mp4" })
        #expect(mp4["width"] as? Int == 320 && (mp4["bytes"] as? Int ?? 0) > 0)
        #expect(!(video["thumbnails"] as? [Any] ?? []).isEmpty)
        // The video id names the same video as the job id.
        #expect(try await daemon.call("GET", "/api/videos/\(videoID)").json()["videoId"] as? String == videoID)

        // The preview is a URL the agent serves itself (file store), signed, with ranges; a forged one is refused.
        let preview = try await daemon.call("GET", "/api/videos/\(videoID)/preview").json()
        #expect(preview["source"] as? String == "agent" && preview["expiresAt"] != nil)
        let url = try #require(preview["url"] as? String)
        let ranged = try await daemon.call("GET", url, headers: ["Range": "bytes=0-15"])
        #expect(ranged.status == 206 && ranged.body.count == 16)
        #expect(ranged.header("Content-Type") == "video/mp4")
        let parts = url.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var forged = parts
        forged[4] = String(repeating: "0", count: parts[4].count)
        #expect(try await daemon.call("GET", forged.joined(separator: "/")).status == 403)
        var extended = parts
        extended[3] = String(Int(parts[3])! + 3600)
        #expect(try await daemon.call("GET", extended.joined(separator: "/")).status == 403)
        // ffprobe plays the HLS master through the signed URL: relative references stay under the signature.
        let hls = try #require(preview["hls"] as? String)
        let probe = try await runProcessAsync(
            "/usr/bin/ffprobe",
            ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", daemon.base + hls]
        )
        #expect(probe.status == 0 && (Double(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 1)

        // Changes need the token: none, a wrong one, then the right one.
        #expect(try await daemon.call("POST", "/api/videos/1/retry-processing").status == 401)
        let wrong = try await daemon.call(
            "POST",
            "/api/videos/1/retry-processing",
            headers: ["Authorization": "Bearer not-the-token-at-all"]
        )
        #expect(wrong.status == 401 && !wrong.text.contains(daemon.token))
        // Re-publishing a published video is a retry; while it runs, a second retry is refused with 409.
        let republish = try await daemon.call("POST", "/api/videos/1/retry-processing", auth: true)
        #expect(republish.status == 202)
        let again = try await daemon.call("POST", "/api/videos/1/retry-processing", auth: true)
        #expect(again.status == 409)
        #expect(again.errorMessage.contains("queued or running"))
        _ = try await daemon.waitForState(1, ["published"])

        // Unknown and malformed ids.
        let missing = try await daemon.call("GET", "/api/videos/999999")
        #expect(missing.status == 404 && missing.errorMessage == "no job with id 999999")
        #expect(try await daemon.call("GET", "/api/videos/abcdef0123456789abcdef01").status == 404)
        #expect(try await daemon.call("GET", "/api/videos/..%2F..%2Fetc").status == 400)
        #expect(try await daemon.call("GET", "/api/videos/999999/processing-status").status == 404)
        #expect(try await daemon.call("POST", "/api/videos/999999/retry-processing", auth: true).status == 404)
        #expect(try await daemon.call("GET", "/api/videos/processing/jobs?state=nonsense").status == 400)
        #expect(try await daemon.call("GET", "/api/videos/processing/jobs?cursor=garbage!").status == 400)

        // A text file named .mp4 is rejected; retry re-queues it; cancel stops it; cancelling again is a 409.
        try "not a video".write(toFile: daemon.dir.path + "/notes.mp4", atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/notes.mp4", toPath: daemon.inbox + "/notes.mp4")
        let rejected = try await daemon.waitForState(2, ["rejected"])
        #expect(rejected["lastError"] as? String == "not a video file")
        #expect(try await daemon.call("GET", "/api/videos/2/preview").status == 409)
        let retried = try await daemon.call("POST", "/api/videos/2/retry-processing", auth: true)
        #expect(retried.status == 202)
        #expect(try retried.json()["message"] as? String == "re-queued")
        let requeued = try await daemon.call("GET", "/api/videos/2/processing-status").json()
        let events = (requeued["stages"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
        #expect(events.contains("manual-retry"))
        let cancel = try await daemon.call("POST", "/api/videos/2/cancel", auth: true)
        #expect(try cancel.status == 202 && cancel.json()["state"] as? String == "cancelled")
        let cancelAgain = try await daemon.call("POST", "/api/videos/2/cancel", auth: true)
        #expect(cancelAgain.status == 409)

        // Queue status and the job list see both.
        let queue = try await daemon.call("GET", "/api/videos/processing/queue-status").json()
        let counts = queue["counts"] as? [String: Int] ?? [:]
        #expect(counts["published"] == 1 && counts["cancelled"] == 1 && queue["total"] as? Int == 2)
        #expect((queue["throughput"] as? [String: Any])?["published"] as? Int == 1)
        let watches = queue["watches"] as? [[String: Any]] ?? []
        #expect(watches.first?["name"] as? String == "inbox")
        let list = try await daemon.call("GET", "/api/videos/processing/jobs?state=cancelled").json()
        #expect((list["jobs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2])
        let watchList = try await daemon.call("GET", "/api/watches").json(array: true)
        #expect(watchList.first?["name"] as? String == "inbox")

        // The page and its modules, with a CSP that allows no inline script.
        let page = try await daemon.call("GET", "/")
        #expect(page.status == 200 && page.text.contains("/assets/app.js"))
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(try await daemon.call("GET", "/assets/queue.js").status == 200)
        #expect(try await daemon.call("GET", "/assets/../state/api-token").status == 404)
        // The icon the page links, and the one every browser asks for whatever the page links.
        #expect(page.text.contains("href=\"/favicon.svg\""))
        for icon in ["/favicon.svg", "/favicon.ico"] {
            let reply = try await daemon.call("GET", icon)
            #expect(reply.status == 200 && reply.header("Content-Type") == "image/svg+xml", "\(icon)")
            #expect(reply.text.hasPrefix("<svg"), "\(icon)")
        }

        // No line of the log ever carries the token.
        #expect(!daemon.agent.log.contains(daemon.token))
        #expect(await daemon.stop() == 0)
    }

    @Test func offLoopbackEveryRouteButHealthAndThePageNeedsTheToken() async throws {
        let probe = try APIDaemon(listen: "0.0.0.0:0")
        defer { probe.remove() }
        // Without a token file, listening beyond loopback is refused at start-up.
        let refused = try await runProcessAsync(APIDaemon.binary, ["config", "check", "--config", probe.config])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("api.token_file: required when listen (0.0.0.0:0) is not a loopback address"))

        let tokenFile = try probe.dir.write("api-token", "s3cret-token-0123456789abcdef\n", mode: 0o600)
        let daemon = try APIDaemon(extraConfig: "token_file = \"\(tokenFile)\"", listen: "0.0.0.0:0")
        defer { daemon.remove() }
        try await daemon.start()
        #expect(try await daemon.call("GET", "/healthz").status == 200)
        #expect(try await daemon.call("GET", "/").status == 200)
        #expect(try await daemon.call("GET", "/favicon.ico").status == 200)
        #expect(try await daemon.call("GET", "/api/videos/processing/queue-status").status == 401)
        #expect(try await daemon.call("GET", "/metrics").status == 401)
        let authorized = try await daemon.call(
            "GET",
            "/api/videos/processing/queue-status",
            headers: ["Authorization": "Bearer s3cret-token-0123456789abcdef"]
        )
        #expect(authorized.status == 200)
        // A WebSocket without the token is refused before the upgrade (plain HTTP on that path says why: 401);
        // with the token in the subprotocol it connects, and the token is not echoed back.
        let anonymous = try await Fixtures.runPython("ws_events.py", [daemon.ws + "/api/videos/processing/live"])
        #expect(anonymous.stdout.contains("\"refused\": 400"))
        #expect(try await daemon.call("GET", "/api/videos/processing/live").status == 401)
        let socket = try Fixtures.pythonProcess(
            "ws_events.py",
            [daemon.ws + "/api/videos/processing/live", "s3cret-token-0123456789abcdef"]
        )
        let connected = try await socket.waitForLine(containing: "connected")
        #expect(connected.contains("\"subprotocol\": \"reel-ingest\""))
        // SIGKILL: children of the test process inherit its blocked signals, SIGTERM would wait forever.
        socket.signal(SIGKILL)
        _ = await socket.waitForExit()
        #expect(!daemon.agent.log.contains("s3cret-token"))
    }
}

extension APIDaemon.Reply {
    func json(array: Bool) throws -> [[String: Any]] {
        guard let list = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] else {
            throw Failure("not a JSON array: \(text)")
        }
        return list
    }
}
