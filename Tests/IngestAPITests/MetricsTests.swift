import Foundation
import TestSupport
import Testing

/// /metrics read by prometheus_client's text parser (a malformed exposition fails the parse), before and after a
/// job runs: the counters move.
@Suite("Prometheus metrics", .timeLimit(.minutes(5)))
struct MetricsTests {
    @Test func parsesAsPrometheusTextAndCountersMoveAsAJobRuns() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        let before = try await Self.scrape(daemon)
        #expect(before.types["reel_ingest_jobs"] == "gauge")
        #expect(before.value("reel_ingest_jobs", ["state=published"]) == 0)
        #expect(before.value("reel_ingest_queue_depth") == 0)
        #expect(before.value("reel_ingest_watch_available", ["watch=inbox"]) == 1)
        #expect(before.value("reel_ingest_jobs_waiting_for_room") == 0)

        // An upload over tus and a dropped clip, both published.
        try await Fixtures.clip(daemon.dir.path + "/up.mp4", seconds: 2)
        let size = try FileManager.default.attributesOfItem(atPath: daemon.dir.path + "/up.mp4")[.size] as? Int ?? 0
        let upload = try await Fixtures.runPython(
            "tus_client.py",
            [
                "upload", daemon.base + "/api/videos/tus", daemon.token, daemon.dir.path + "/up.mp4", "65536",
                "\(size * 2)",
            ]
        )
        #expect(upload.status == 0, "\(upload.stdout)\(upload.stderr)")
        try await Fixtures.clip(daemon.dir.path + "/drop.mp4", seconds: 3, size: "426x240")
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/drop.mp4", toPath: daemon.inbox + "/drop.mp4")
        _ = try await daemon.waitForState(1, ["published"])
        _ = try await daemon.waitForState(2, ["published"])

        let after = try await Self.scrape(daemon)
        #expect(after.value("reel_ingest_jobs", ["state=published"]) == 2)
        #expect(after.value("reel_ingest_upload_received_bytes_total") == Double(size))
        #expect((after.value("reel_ingest_uploaded_bytes_total") ?? 0) > 0, "the pipeline's upload counter")
        #expect(after.types["reel_ingest_stage_seconds"] == "histogram")
        #expect((after.value("reel_ingest_stage_seconds_count", ["format=all", "stage=transcoding"]) ?? 0) >= 2)
        // The memory the allocators report: present, non-zero, and SQLite's share inside the C heap's.
        let sqlite = try #require(after.value("reel_ingest_sqlite_memory_bytes"))
        let heap = try #require(after.value("reel_ingest_heap_in_use_bytes"))
        #expect(sqlite > 0 && heap > sqlite && heap < Double(1 << 30), "SQLite \(sqlite), heap \(heap)")
        #expect((after.value("reel_ingest_heap_free_bytes") ?? -1) >= 0)
        let requests = { (m: Scrape) in
            m.samples.filter { $0.key.hasPrefix("reel_ingest_api_requests_total{") }.values.reduce(0, +)
        }
        #expect(requests(after) > requests(before))
        #expect(
            (after.value(
                "reel_ingest_api_requests_total",
                ["method=PATCH", "route=/api/videos/tus/{upload}", "status=204"]
            ) ?? 0) >= 1
        )
    }

    struct Scrape {
        var samples: [String: Double]
        var types: [String: String]

        /// The sample `name{labels}` whose labels include all of `labels` (k=v).
        func value(_ name: String, _ labels: [String] = []) -> Double? {
            samples.first { key, _ in
                guard key.hasPrefix(name + "{") else { return false }
                let inner = key.dropFirst(name.count + 1).dropLast()
                let present = Set(inner.split(separator: ",").map(String.init))
                return Set(labels).isSubset(of: present)
            }?.value
        }
    }

    static func scrape(_ daemon: APIDaemon) async throws -> Scrape {
        let result = try await Fixtures.runPython("parse_metrics.py", [daemon.base + "/metrics"])
        guard result.status == 0,
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else { throw Failure("the Prometheus parser refused /metrics: \(result.stderr)") }
        return Scrape(
            samples: (object["samples"] as? [String: Double]) ?? [:],
            types: (object["types"] as? [String: String]) ?? [:]
        )
    }
}
