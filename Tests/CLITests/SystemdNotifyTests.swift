import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `reel-ingest run` under a stand-in for systemd's notify socket, as `Type=notify` with `WatchdogSec=` runs it.
@Suite("reel-ingest run under systemd")
struct SystemdNotifyTests {
    @Test func announcesReadyWatchdogReloadAndStop() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            """
            [agent]
            state_dir = "state"
            scratch_dir = "scratch"
            [limits]
            poll_interval = "100ms"
            [storage]
            url = "file:published"
            """
        )
        let inbox = try dir.mkdir("inbox")
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
        let systemd = try NotifySocket(path: dir.path + "/notify.sock")
        defer { systemd.close() }

        // WatchdogSec=1: the agent must ping at least every 500 ms.
        let agent = try LineProcess(
            TestBinaries.reelIngest,
            ["run", "--config", config],
            environment: ["NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "1000000"]
        )
        let ready = try await systemd.waitFor("READY=1")
        // Ready means every folder is followed: the watcher logged it before READY=1 was sent.
        _ = try await agent.waitForLine(containing: "watching folder")

        var ping = try await systemd.waitFor("WATCHDOG=1", from: ready.index + 1)
        for _ in 0..<3 { ping = try await systemd.waitFor("WATCHDOG=1", from: ping.index + 1) }
        #expect(systemd.messages.contains { $0.contains("STATUS=watching 1 folder; queue: 0 waiting, 0 active") })

        agent.signal(SIGHUP)
        let reloading = try await systemd.waitFor("RELOADING=1", from: ping.index + 1)
        let stamp = try #require(reloading.fields["MONOTONIC_USEC"].flatMap(UInt64.init))
        let now = Self.monotonicMicroseconds()
        #expect(stamp <= now && now - stamp < 30_000_000)
        _ = try await agent.waitForLine(containing: "configuration reloaded")
        let readyAgain = try await systemd.waitFor("READY=1", from: reloading.index + 1)

        agent.signal(SIGTERM)
        _ = try await systemd.waitFor("STOPPING=1", from: readyAgain.index + 1)
        agent.process.waitUntilExit()
        #expect(agent.process.terminationStatus == 0)
        #expect(agent.log.contains("reel-ingest agent stopped"))
    }

    @Test func withoutNotifySocketNothingIsSentAndTheAgentStillStops() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "agent.toml",
            "[agent]\nstate_dir = \"state\"\nscratch_dir = \"scratch\"\n[storage]\nurl = \"file:published\"\n"
        )
        let inbox = try dir.mkdir("inbox")
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
        let agent = try LineProcess(
            TestBinaries.reelIngest,
            ["run", "--config", config],
            environment: ["NOTIFY_SOCKET": ""]
        )
        // The watchdog service has nothing to do here; it must wait for the shutdown, not end the group early.
        _ = try await agent.waitForLine(containing: "watching folder")
        #expect(agent.stop() == 0)
        #expect(!agent.log.contains("cannot notify systemd"))
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
