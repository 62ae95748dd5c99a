import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// The job list on a database several agents share (PostgreSQL) is served from pages kept while no job update
/// arrives: a change this agent commits, or another agent announces, shows in the next page; a change nobody
/// announces (a row edited by hand) shows within a second.
@Suite("Job list pages on a shared database", .timeLimit(.minutes(3)))
struct JobListCacheTests {
    @Test func pagesFollowEveryAnnouncedChangeAtOnceAndOthersWithinASecond() async throws {
        try await TestPostgres.withFreshDatabase { place in
            var url = place
            url.password = nil
            let daemon = try APIDaemon(
                extraConfig: "[database]\nurl = \"\(url)\"\n",
                environment: ["PGPASSWORD": place.password ?? ""]
            )
            defer { daemon.remove() }
            try await daemon.start()

            func states() async throws -> [Int: (state: String, attempts: Int)] {
                let page = try await daemon.call("GET", "/api/videos/processing/jobs?limit=50").json()
                var states: [Int: (state: String, attempts: Int)] = [:]
                for job in page["jobs"] as? [[String: Any]] ?? [] {
                    if let id = job["id"] as? Int, let state = job["state"] as? String {
                        states[id] = (state, job["attempts"] as? Int ?? -1)
                    }
                }
                return states
            }
            func eventually(_ what: String, _ done: () async throws -> Bool) async throws -> Duration {
                let clock = ContinuousClock()
                let start = clock.now
                while clock.now - start < .seconds(10) {
                    if try await done() { return clock.now - start }
                    try await Task.sleep(for: .milliseconds(20))
                }
                throw Failure("\(what) did not show within 10 s")
            }

            // Another agent of the fleet (its own connection pool) adds jobs, in a watch ("x") this agent does not have,
            // so that nothing takes them up.
            let (first, second) = try await PostgresStore.withStore(place, logger: TestPostgres.logger) { other in
                let job = { (name: String) in NewJob(sourcePath: "/x/\(name)", watchName: "x", profile: "default") }
                return (try await other.insertJob(job("a.mp4")), try await other.insertJob(job("b.mp4")))
            }
            let (a, b) = (Int(try #require(first.id)), Int(try #require(second.id)))
            _ = try await eventually("the other agent's jobs") { try await states()[b] != nil }

            // A change this agent commits is in the very next page.
            #expect(try await states()[a]?.state == "discovered")
            let cancel = try await daemon.call("POST", "/api/videos/\(a)/cancel", auth: true)
            #expect(cancel.status == 202, "\(cancel.text)")
            #expect(try await states()[a]?.state == "cancelled")

            // A change nobody announces: a page read just before it is still served, for at most a second.
            let clock = ContinuousClock()
            let before = try await states()[b]
            #expect(before?.attempts == 0)
            let read = clock.now
            try await TestPostgres.administer(place, "UPDATE video_processing_jobs SET attempts = 3 WHERE id = \(b)")
            let stale = try await states()[b]
            if clock.now - read < .milliseconds(500) {
                #expect(stale?.attempts == 0, "a page under a second old is served again")
            }
            let waited = try await eventually("the unannounced change") { try await states()[b]?.attempts == 3 }
            #expect(waited < .seconds(3))
        }
    }
}
