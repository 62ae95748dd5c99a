import Foundation
import TestSupport
import Testing

/// Clients that misbehave on purpose (Python, raw sockets and websocket-client) against the real agent, with small
/// limits so that each case ends in seconds: a header trickled a byte at a time, oversized headers, more silent
/// connections than `max_connections`, more live WebSockets than `max_live_connections`. Each gets a clear refusal,
/// the agent's memory stays bounded, and `/healthz` answers throughout.
@Suite("Status API: the HTTP surface under abuse", .timeLimit(.minutes(3)))
struct HTTPAbuseTests {
    @Test func slowOversizedAndFloodingClientsAreRefusedAndTheAPIStillAnswers() async throws {
        let daemon = try APIDaemon(
            extraConfig: """
                header_timeout = "2s"
                idle_timeout = "3s"
                max_connections = 8
                max_live_connections = 3
                """
        )
        defer { daemon.remove() }
        try await daemon.start()
        let rssBefore = try residentBytes(daemon.agent.pid)

        // A head trickled a byte every 0.25 s: answered 408 once the header time is up, long before it is sent.
        let slow = try Fixtures.pythonProcess("http_abuse.py", ["slow", daemon.base])
        defer { slow.signal(SIGKILL) }
        #expect(try await daemon.call("GET", "/healthz").status == 200, "the API answers beside the slow client")
        let trickled = try object(try await slow.waitForLine(containing: "\"status\""))
        #expect(trickled["status"] as? Int == 408, "\(trickled)")
        #expect((trickled["body"] as? String)?.contains("did not arrive within 2 s") == true, "\(trickled)")
        #expect((trickled["sent"] as? Int ?? 0) < 400, "closed before the head was complete: \(trickled)")

        // 40 KiB of headers: 431 with the limit, not a parse error.
        let big = try object(try await Fixtures.runPython("http_abuse.py", ["big", daemon.base]).stdout)
        #expect(big["status"] as? Int == 431, "\(big)")
        #expect((big["body"] as? String)?.contains("exceed 32 KiB") == true, "\(big)")

        // More silent connections than max_connections, then a request: every silent one is cut with 408 and the
        // request is answered, after a silent one made room (it waited in the listen backlog meanwhile).
        let silent = try object(try await Fixtures.runPython("http_abuse.py", ["silent", daemon.base, "8"]).stdout)
        let answers = try #require(silent["answers"] as? [[String: Any]], "\(silent)")
        let silentStatuses = answers.filter { $0["who"] as? String == "silent" }.map { $0["status"] as? Int }
        #expect(silentStatuses == Array(repeating: 408, count: 8), "\(answers)")
        let probe = try #require(answers.firstIndex { $0["who"] as? String == "probe" }, "\(answers)")
        #expect(answers[probe]["status"] as? Int == 200, "\(answers)")
        #expect(probe > 0, "the request past the limit waited for a silent connection to be cut: \(answers)")

        // Twenty live WebSockets against a limit of 3: three stay open, the rest are closed with 1013 and why.
        let flood = try Fixtures.pythonProcess(
            "http_abuse.py",
            ["flood", daemon.ws + "/api/videos/processing/live", "20", daemon.token]
        )
        defer { flood.signal(SIGKILL) }
        let flooded = try object(try await flood.waitForLine(containing: "\"open\""))
        #expect(flooded["open"] as? Int == 3, "\(flooded)")
        let refused = flooded["refused"] as? [[String: Any]] ?? []
        #expect(refused.count == 17, "\(flooded)")
        #expect(refused.allSatisfy { $0["code"] as? Int == 1013 }, "\(refused)")
        #expect((refused.first?["reason"] as? String)?.contains("max_live_connections") == true, "\(refused)")
        let health = try await daemon.call("GET", "/healthz")
        #expect(health.status == 200, "the API answers with the live connections full: \(health.text)")
        #expect(try await daemon.call("GET", "/").status == 200, "and the page")

        let rssAfter = try residentBytes(daemon.agent.pid)
        #expect(rssAfter - rssBefore < 64 << 20, "RSS \(rssBefore >> 20) MiB before, \(rssAfter >> 20) MiB after")
        #expect(daemon.agent.isRunning)
    }

    private func object(_ line: String) throws -> [String: Any] {
        let json = line.split(separator: "\n").last.map(String.init) ?? line
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw Failure("not a JSON object: \(line)")
        }
        return object
    }

    /// VmRSS of a process, in bytes.
    private func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw Failure("no VmRSS in /proc/\(pid)/status") }
        return kib * 1024
    }
}
