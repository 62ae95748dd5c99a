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
