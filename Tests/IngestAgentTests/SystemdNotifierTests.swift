import Foundation
import IngestWatcher
import TestSupport
import Testing

@testable import IngestAgent

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test func readsTheEnvironmentAsSystemdSetsIt() throws {
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:1234"]) == nil)

        let plain = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/systemd/notify"]))
        #expect(plain.watchdogTimeout == nil)

        let watched = try #require(
            SystemdNotifier(environment: ["NOTIFY_SOCKET": "@notify", "WATCHDOG_USEC": "30000000"], pid: 42)
        )
        #expect(watched.watchdogTimeout == .seconds(30))

        // WATCHDOG_PID names the main process; a child that inherited the variables must not ping.
        let child = try #require(
            SystemdNotifier(
                environment: ["NOTIFY_SOCKET": "@notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "41"],
                pid: 42
            )
        )
        #expect(child.watchdogTimeout == nil)
    }

    @Test func sendsOneDatagramToAPathSocket() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let socket = try NotifySocket(path: dir.path + "/notify")
        defer { socket.close() }
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]))

        try notifier.send([.reloading(monotonicMicroseconds: 123), .status("two\nlines")])
        let received = try await socket.waitFor("RELOADING=1")
        #expect(received.text == "RELOADING=1\nMONOTONIC_USEC=123\nSTATUS=two lines")
    }

    @Test func sendsToAnAbstractSocket() async throws {
        let name = "@reel-ingest-test-\(UUID().uuidString)"
        let socket = try NotifySocket(path: name)
        defer { socket.close() }
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": name]))

        try notifier.send([.ready])
        try notifier.send([.watchdog])
        try notifier.send([.stopping])
        _ = try await socket.waitFor("STOPPING=1")
        #expect(socket.messages == ["READY=1", "WATCHDOG=1", "STOPPING=1"])
    }

    @Test func reportsWhySendingFailed() throws {
        let missing = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"]))
        #expect(throws: Errno(code: ENOENT, operation: "notify systemd at /nonexistent/notify")) {
            try missing.send([.ready])
        }
        let long = "/" + String(repeating: "x", count: 200)
        let tooLong = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": long]))
        #expect(throws: Errno(code: ENAMETOOLONG, operation: "notify systemd at \(long)")) {
            try tooLong.send([.ready])
        }
    }
}
