import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// Keyset pagination while another process inserts jobs: every job that existed when the walk started is seen
/// exactly once, in order, and no page repeats or skips one.
@Suite("Job list pagination", .timeLimit(.minutes(5)))
struct PaginationTests {
    @Test func pagesNeitherSkipNorRepeatWhileJobsArrive() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        // A second writer on the same database file, as a busy watcher would be.
        let database = try SQLiteStore(path: daemon.databasePath)
        for index in 0..<240 {
            _ = try await database.insertJob(
                NewJob(sourcePath: "/seed/\(index).mp4", watchName: "inbox", profile: "default")
            )
        }
        let before = Set(
            try await database.jobsPage(state: nil, watch: nil, beforeID: nil, limit: 10_000).compactMap(\.id)
        )
        #expect(before.count == 240)

        async let inserts: Void = {
            for index in 0..<200 {
                let watch = index % 2 == 0 ? "inbox" : "other"
                _ = try await database.insertJob(
                    NewJob(sourcePath: "/late/\(index).mp4", watchName: watch, profile: "default")
                )
            }
        }()
        var seen: [Int] = []
        var cursor: String? = nil
        var pages = 0
        repeat {
            let path = "/api/videos/processing/jobs?limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await daemon.call("GET", path).json()
            let ids = (page["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >), "a page is newest first")
            if let last = seen.last, let first = ids.first {
                #expect(first < last, "pages continue where the last ended")
            }
            seen += ids
            cursor = page["nextCursor"] as? String
            pages += 1
        } while cursor != nil
        try await inserts

        #expect(Set(seen).count == seen.count, "no job repeated")
        #expect(before.isSubset(of: Set(seen.map(Int64.init))), "no job that existed at the start skipped")
        #expect(pages >= 240 / 7)

        // Filters combine with the cursor: the watch filter walks only that folder's jobs.
        var other: [Int] = []
        cursor = nil
        repeat {
            let path = "/api/videos/processing/jobs?watch=other&limit=9" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await daemon.call("GET", path).json()
            let jobs = page["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.allSatisfy { $0["watch"] as? String == "other" })
            other += jobs.compactMap { $0["id"] as? Int }
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        #expect(other.count == 100 && Set(other).count == 100)
        #expect(try await daemon.call("GET", "/api/videos/processing/jobs?limit=0").status == 400)
        #expect(try await daemon.call("GET", "/api/videos/processing/jobs?limit=501").status == 400)
    }
}
