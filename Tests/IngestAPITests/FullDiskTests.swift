import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// A scratch disk too small for the job (an 8 MiB tmpfs the test mounts): the job waits for room without spending
/// its attempts, /healthz and the queue say why, and once the disk is grown the job is published.
@Suite("full scratch disk")
struct FullDiskTests {
    @Test(.timeLimit(.minutes(4))) func jobWaitsForRoomWithoutSpendingAttemptsAndGoesOnWhenThereIsRoom() async throws {
        let daemon = try APIDaemon(extraConfig: "[retry]\nbase_delay = \"1s\"\nmax_attempts = 2")
        defer { daemon.remove() }
        let scratch = try daemon.dir.mkdir("scratch")
        let mounted = try await runProcessAsync("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", scratch])
        try #require(mounted.status == 0, "mount a small tmpfs (the tests run as root): \(mounted.stderr)")
        defer { _ = try? runProcess("/bin/umount", ["--lazy", scratch]) }
        try await daemon.start()
        try await Fixtures.clip(daemon.dir.path + "/take.mp4", seconds: 2)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/take.mp4", toPath: daemon.inbox + "/take.mp4")

        // Waited, tried again after the delay, waited again: more tries than max_attempts, none of them spent.
        let database = try SQLiteStore(path: daemon.databasePath)
        let waits = try await eventually("three waits for room") {
            let waits = try await database.stages(ofJob: 1).filter { $0.event == "waiting-for-room" }
            return waits.count >= 3 ? waits : nil
        }
        #expect(waits.allSatisfy { $0.toState == .stable && $0.attempt == 0 })
        let job = try #require(try await database.job(id: 1))
        #expect(job.attempts == 0)
        let reason = try #require(job.lastError)
        // Both sizes in one unit: "waiting for room: no room on the scratch disk: needs 71.4 MiB, 7.9 MiB free in …".
        #expect(reason.hasPrefix("waiting for room: no room on the scratch disk: needs "), "\(reason)")
        #expect(reason.components(separatedBy: " MiB").count == 3, "\(reason)")
        #expect(reason.contains(" free in \(scratch)"))

        let health = try await daemon.call("GET", "/healthz")
        #expect(health.status == 503)
        let disk = try #require(try health.json()["scratch"] as? [String: Any])
        #expect(disk["waitingJobs"] as? Int == 1)
        #expect(disk["ok"] as? Bool == false)
        #expect((disk["reason"] as? String)?.contains("no room on the scratch disk") == true)
        let metrics = try await daemon.call("GET", "/metrics").text
        let gauge = metrics.split(separator: "\n").first { $0.hasPrefix("reel_ingest_jobs_waiting_for_room") }
        #expect(gauge.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } == 1, "\(metrics)")
        let queue = try await daemon.call("GET", "/api/videos/processing/queue-status").json()
        let attention = try #require(queue["attention"] as? [String])
        #expect(attention.contains { $0.hasPrefix("1 job waiting for room: no room on the scratch disk") })

        // Room returns: the job goes on and is published, still without a failed attempt.
        let grown = try await runProcessAsync("/bin/mount", ["-o", "remount,size=1g", scratch])
        try #require(grown.status == 0, "\(grown.stderr)")
        _ = try await daemon.waitForState(1, ["published"])
        #expect(try await database.job(id: 1)?.attempts == 0)
        let after = try await daemon.call("GET", "/healthz")
        #expect(after.status == 200)
        #expect((try after.json()["scratch"] as? [String: Any])?["waitingJobs"] as? Int == 0)
    }

    /// Two uploads that each fit when they were created but not together (a small tmpfs under the upload directory):
    /// the second one's PATCH is refused with 507 and keeps only what was written whole, the agent keeps answering,
    /// and once there is room the upload resumes from the offset it was given and the clip is published.
    @Test(.timeLimit(.minutes(4))) func anUploadDirectoryThatFillsRefusesWith507AndTheUploadResumesWhenThereIsRoom()
        async throws
    {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        let clipPath = daemon.dir.path + "/take.mp4"
        try await Fixtures.clip(clipPath, seconds: 4, size: "640x360", noise: true)
        let clip = try Data(contentsOf: URL(fileURLWithPath: clipPath))
        let mib = 1_048_576
        #expect(clip.count > 2 * mib, "a clip larger than one write batch")
        // Room for one upload of the clip's size and half of another.
        let room = (clip.count * 3 / 2 / mib + 1) * mib
        let uploads = try daemon.dir.mkdir("state/uploads")
        let mounted = try await runProcessAsync("/bin/mount", ["-t", "tmpfs", "-o", "size=\(room)", "tmpfs", uploads])
        try #require(mounted.status == 0, "mount a small tmpfs (the tests run as root): \(mounted.stderr)")
        defer { _ = try? runProcess("/bin/umount", ["--lazy", uploads]) }
        try await daemon.start()

        let tus = ["Tus-Resumable": "1.0.0"]
        func create(_ name: String, length: Int) async throws -> String {
            let created = try await daemon.call(
                "POST",
                "/api/videos/tus",
                auth: true,
                headers: tus.merging([
                    "Upload-Length": "\(length)",
                    "Upload-Metadata": "filename " + Data(name.utf8).base64EncodedString(),
                ]) { $1 }
            )
            try #require(created.status == 201, "\(created.status): \(created.text)")
            return try #require(created.header("Location"))
        }
        func patch(_ location: String, from offset: Int, _ bytes: Data) async throws -> APIDaemon.Reply {
            try await daemon.call(
                "PATCH",
                location,
                auth: true,
                headers: tus.merging(["Content-Type": "application/offset+octet-stream", "Upload-Offset": "\(offset)"])
                {
                    $1
                },
                body: bytes
            )
        }
        // A filler that stays open (one byte short), and the clip: both fit when created.
        let filler = try await create("filler.mp4", length: clip.count + 1)
        let upload = try await create("take.mp4", length: clip.count)
        let filled = try await patch(filler, from: 0, Data(repeating: 7, count: clip.count))
        #expect(filled.status == 204, "\(filled.status): \(filled.text)")

        let refused = try await patch(upload, from: 0, clip)
        #expect(refused.status == 507, "\(refused.status): \(refused.text)")
        #expect(refused.errorMessage.contains("the upload directory is full"), "\(refused.text)")
        let head = try await daemon.call("HEAD", upload, auth: true, headers: tus)
        let offset = try #require(head.header("Upload-Offset").flatMap { Int($0) })
        #expect(offset < clip.count)
        #expect(refused.errorMessage.contains("\(offset) bytes are kept"), "\(refused.text)")
        // Only whole batches are kept: the bytes of the failed write gave their room back.
        let id = String(upload.split(separator: "/").last ?? "")
        let onDisk = try FileManager.default.attributesOfItem(atPath: uploads + "/" + id + ".upload")[.size] as? Int
        #expect(onDisk == offset)
        let health = try await daemon.call("GET", "/healthz")
        #expect(health.status == 200, "the agent still answers: \(health.text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: daemon.inbox).isEmpty, "nothing handed off")

        // Room returns: the client sends the rest from the offset it was given.
        let grown = try await runProcessAsync("/bin/mount", ["-o", "remount,size=256m", uploads])
        try #require(grown.status == 0, "\(grown.stderr)")
        let resumed = try await patch(upload, from: offset, clip.subdata(in: offset..<clip.count))
        #expect(resumed.status == 204, "\(resumed.status): \(resumed.text)")
        #expect(resumed.header("Upload-Offset") == "\(clip.count)")
        let published = try await daemon.waitForState(1, ["published"])
        #expect(published["state"] as? String == "published")
        let source = try await SQLiteStore(path: daemon.databasePath).job(id: 1)?.sourcePath
        #expect(source.map { ($0 as NSString).lastPathComponent } == "take.mp4", "\(source ?? "no job")")
    }

    /// The state folder full (SQLite answers SQLITE_FULL): a file dropped meanwhile cannot get its job row. It is
    /// not forgotten: the agent keeps answering, offers the file again, and publishes it once there is room; the
    /// database is intact.
    @Test(.timeLimit(.minutes(3))) func aFileDroppedWhileTheDatabaseCannotWriteIsTakenOnceItCan() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        let state = try daemon.dir.mkdir("state")
        let mounted = try await runProcessAsync("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", state])
        try #require(mounted.status == 0, "mount a small tmpfs (the tests run as root): \(mounted.stderr)")
        defer { _ = try? runProcess("/bin/umount", ["--lazy", state]) }
        try await daemon.start()
        // Everything but a few KiB taken: the next transaction cannot grow the database's write-ahead log.
        let filler = state + "/filler"
        let filled = try await runProcessAsync(
            "/bin/sh",
            ["-c", "dd if=/dev/zero of='\(filler)' bs=4k 2>/dev/null; df -k --output=avail '\(state)' | tail -1"]
        )
        #expect(Int(filled.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99 < 8, "\(filled.stdout)")

        try await Fixtures.clip(daemon.dir.path + "/take.mp4", seconds: 2)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/take.mp4", toPath: daemon.inbox + "/take.mp4")
        let refused = try await daemon.agent.waitForLine(containing: "cannot record files")
        #expect(refused.contains("full"), "\(refused)")
        let queue = try await eventually("the queue to say the database cannot write") {
            let reply = try await daemon.call("GET", "/api/videos/processing/queue-status")
            return reply.text.contains("the job database cannot write") ? reply : nil
        }
        #expect(queue.status == 200, "the API still answers: \(queue.text)")
        // The database still answers reads; /healthz must say that it cannot write.
        let health = try await daemon.call("GET", "/healthz")
        #expect(health.status == 503, "\(health.text)")
        let database = try #require(try health.json()["database"] as? [String: Any], "\(health.text)")
        #expect(database["writable"] as? Bool == false, "\(health.text)")
        #expect((database["error"] as? String)?.contains("full") == true, "\(health.text)")
        let metrics = try await daemon.call("GET", "/metrics").text
        let writable = metrics.split(separator: "\n").first { $0.hasPrefix("reel_ingest_database_writable ") }
        #expect(writable.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } == 0, "\(metrics)")

        try FileManager.default.removeItem(atPath: filler)
        let published = try await daemon.waitForState(1, ["published"], timeout: .seconds(90))
        #expect(published["state"] as? String == "published")
        let source = try await SQLiteStore(path: daemon.databasePath).job(id: 1)?.sourcePath
        #expect(source.map { ($0 as NSString).lastPathComponent } == "take.mp4", "\(source ?? "no job")")
        _ = try await eventually("/healthz to find the database writable again", timeout: .seconds(30)) {
            let reply = try await daemon.call("GET", "/healthz")
            let database = try reply.json()["database"] as? [String: Any]
            return reply.status == 200 && database?["writable"] as? Bool == true ? true : nil
        }
        let integrity = try await runProcessAsync("/usr/bin/sqlite3", [daemon.databasePath, "PRAGMA integrity_check"])
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(integrity.stdout)")
    }
}

/// Polls `body` (another process writes what it reads) until it returns a value, for at most `timeout`.
func eventually<T: Sendable>(
    _ what: String,
    timeout: Duration = .seconds(60),
    _ body: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await body() { return value }
        guard ContinuousClock.now < deadline else { throw Failure("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}
