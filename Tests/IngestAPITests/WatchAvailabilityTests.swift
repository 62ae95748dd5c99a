import Foundation
import TestSupport
import Testing

/// A watched folder that goes away (a share unmounted, a folder deleted) and comes back: meanwhile /healthz, /metrics
/// and the queue say it is unavailable and the agent keeps serving; afterwards it is followed again and a file
/// dropped into it is published.
@Suite("a watched folder that comes and goes")
struct WatchAvailabilityTests {
    @Test(.timeLimit(.minutes(3))) func vanishedFolderIsReportedThenReattached() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        #expect(try await availability(daemon) == 1)

        let away = daemon.dir.path + "/inbox-away"
        try FileManager.default.moveItem(atPath: daemon.inbox, toPath: away)
        let status = try await eventually("the folder reported missing") { () -> String? in
            let reply = try await daemon.call("GET", "/healthz")
            let watchers = try reply.json()["watchers"] as? [[String: Any]]
            guard reply.status == 503, watchers?.first?["mode"] as? String == "missing" else { return nil }
            return try reply.json()["status"] as? String
        }
        #expect(status == "degraded")
        #expect(try await availability(daemon) == 0)
        let queue = try await daemon.call("GET", "/api/videos/processing/queue-status").json()
        let attention = queue["attention"] as? [String] ?? []
        #expect(attention.contains { $0.hasPrefix("folder inbox (\(daemon.inbox)) is unavailable") }, "\(attention)")

        try FileManager.default.moveItem(atPath: away, toPath: daemon.inbox)
        _ = try await eventually("the folder followed again") { () -> Bool? in
            let reply = try await daemon.call("GET", "/healthz")
            return reply.status == 200 ? true : nil
        }
        #expect(try await availability(daemon) == 1)
        try await Fixtures.clip(daemon.dir.path + "/take.mp4", seconds: 2)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/take.mp4", toPath: daemon.inbox + "/take.mp4")
        _ = try await daemon.waitForState(1, ["published"])
    }

    /// `reel_ingest_watch_available{watch="inbox"}` as /metrics says it.
    func availability(_ daemon: APIDaemon) async throws -> Double? {
        let text = try await daemon.call("GET", "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("reel_ingest_watch_available{watch=\"inbox\"}") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }
}
