import Foundation
import TestSupport
import Testing

/// The WebSockets, read by an independent client (Python's websocket-client) the way a browser connects.
@Suite("Live progress over WebSocket", .timeLimit(.minutes(6)))
struct LiveTests {
    static let pipeline = ["discovered", "stable", "probing", "transcoding", "uploading", "distributing", "published"]

    @Test func aJobsTransitionsArriveInOrderAndLateClientsStartFromTheCurrentState() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        let live = try Fixtures.pythonProcess(
            "ws_events.py",
            [daemon.ws + "/api/videos/processing/live", daemon.token]
        )
        defer { live.signal(SIGKILL) }
        _ = try await live.waitForLine(containing: "\"connected\"")

        // A longer, noisy clip so that transcoding takes long enough to join it in the middle.
        try await Fixtures.clip(daemon.dir.path + "/long.mp4", seconds: 8, size: "640x360", noise: true)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/long.mp4", toPath: daemon.inbox + "/long.mp4")
        _ = try await live.waitForLine("job 1 transcoding") {
            Self.event($0)?.matches(job: 1, state: "transcoding") == true
        }

        // Joining mid-job: the first event is the current state, then what follows, in order.
        let late = try Fixtures.pythonProcess(
            "ws_events.py",
            [daemon.ws + "/videos/1/processing-status", daemon.token]
        )
        defer { late.signal(SIGKILL) }
        _ = try await live.waitForLine(timeout: .seconds(240), "job 1 published") {
            Self.event($0)?.matches(job: 1, state: "published") == true
        }
        _ = try await late.waitForLine("late client sees published") {
            Self.event($0)?.matches(job: 1, state: "published") == true
        }

        let events = live.output.compactMap(Self.event).filter { $0.jobId == 1 }
        let transitions = events.filter { $0.type == "transition" }.map(\.state)
        #expect(transitions == Self.pipeline)
        let progress = events.filter { $0.type == "progress" && $0.state == "transcoding" }.compactMap(\.percent)
        #expect(!progress.isEmpty, "progress ticks while transcoding")
        #expect(progress == progress.sorted(), "progress only moves forward")

        let lateEvents = late.output.compactMap(Self.event)
        let first = try #require(lateEvents.first)
        #expect(first.type == "snapshot" && ["transcoding", "uploading", "distributing"].contains(first.state))
        let lateStates = lateEvents.dropFirst().filter { $0.type == "transition" }.map(\.state)
        let expected = Self.pipeline.drop { $0 != first.state }.dropFirst()
        #expect(lateStates == Array(expected))

        // An unknown video: the upgrade is refused, and plain HTTP on the same path says why.
        let unknown = try await Fixtures.runPython(
            "ws_events.py",
            [daemon.ws + "/videos/424242/processing-status", daemon.token]
        )
        #expect(unknown.stdout.contains("\"refused\": 400"))
        #expect(try await daemon.call("GET", "/videos/424242/processing-status").status == 404)
        #expect(try await daemon.call("GET", "/videos/1/processing-status").status == 426)
    }

    struct Event {
        var type: String
        var jobId: Int
        var state: String
        var percent: Double?

        func matches(job: Int, state: String) -> Bool { jobId == job && self.state == state }
    }

    static func event(_ line: String) -> Event? {
        guard line.hasPrefix("{"),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let type = object["type"] as? String, let job = object["jobId"] as? Int,
            let state = object["state"] as? String
        else { return nil }
        return Event(type: type, jobId: job, state: state, percent: object["percent"] as? Double)
    }
}
