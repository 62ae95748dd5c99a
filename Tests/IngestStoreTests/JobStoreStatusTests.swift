import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

private let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(30), maxDelay: .seconds(300))
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

@Suite("Job store: status views, schema versions")
struct JobStoreStatusTests {
    /// Keyset pages never skip or repeat a job, also when jobs arrive between two pages.
    @Test(arguments: StoreBackend.allCases) func keysetPagesNeitherSkipNorRepeat(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            var ids: [Int64] = []
            for n in 0..<7 {
                let watch = n.isMultiple(of: 2) ? "even" : "odd"
                let job = try await db.insertJob(
                    NewJob(sourcePath: "/w/\(n).mp4", watchName: watch, profile: "p"),
                    at: t0
                )
                ids.append(try #require(job.id))
            }
            let first = try await db.jobsPage(state: nil, watch: nil, beforeID: nil, limit: 3).compactMap(\.id)
            #expect(first == [ids[6], ids[5], ids[4]])
            _ = try await db.insertJob(NewJob(sourcePath: "/w/late.mp4", watchName: "even", profile: "p"), at: t0)
            let second = try await db.jobsPage(state: nil, watch: nil, beforeID: first.last, limit: 3).compactMap(\.id)
            #expect(second == [ids[3], ids[2], ids[1]])
            let even = try await db.jobsPage(state: .discovered, watch: "even", beforeID: ids[6], limit: 10)
            #expect(even.compactMap(\.id) == [ids[4], ids[2], ids[0]])
            #expect(try await db.jobsPage(state: .failed, watch: nil, beforeID: nil, limit: 10).isEmpty)
        }
    }

    /// The job list reads its rows by position (no `Codable`); each must equal the same job read the general way,
    /// with claims, leases, fences, revisions, progress, failures and NULLs in the columns.
    @Test(arguments: StoreBackend.allCases) func aPageReadsEveryColumnAsTheGeneralReaderDoes(
        backend: StoreBackend
    ) async throws {
        try await backend.withStore { db, _ in
            var watch = WatchConfig(name: "w", file: "/etc/reel-ingest/watches.d/w.toml", path: "/srv/w")
            watch.priority = 7
            let files = (0..<3).map {
                (
                    FileObservation(path: "/srv/w/\($0).mp4", device: 1, inode: Int64($0 + 1), size: 10, mtimeNs: 1),
                    metadata: $0 == 0 ? "{\"title\":\"Übung\"}" : String?.none
                )
            }
            let ids = try await db.recordStable(files, watch: watch, policy: policy).compactMap { $0?.job.id }
            for id in ids { try await db.markChecked(job: id) }
            let claims = try await db.claimJobs(
                agent: "agent-a",
                limit: 2,
                lease: .seconds(90),
                uncheckedBefore: .distantPast
            )
            #expect(claims.count == 2)
            let running = try #require(claims.first)
            _ = try await db.apply(.probeStarted, toJob: running.jobId, policy: policy, claim: running)
            _ = try await db.apply(.transcodeStarted, toJob: running.jobId, policy: policy, claim: running)
            try await db.setRevision(job: running.jobId, "r20261207T000000Z-abcd", claim: running)
            try await db.setProgress(job: running.jobId, percent: 42.5, etaSeconds: 12.25, claim: running)
            let failing = try #require(claims.last)
            _ = try await db.apply(.probeStarted, toJob: failing.jobId, policy: policy, claim: failing)
            _ = try await db.apply(.failed(error: "probe: no video stream"), toJob: failing.jobId, policy: policy)

            let page = try await db.jobsPage(state: nil, watch: nil, beforeID: nil, limit: 10)
            #expect(page.count == 3)
            for job in page {
                let id = try #require(job.id)
                let general = try await db.job(id: id)
                #expect(job == general)
            }
            let byState = Dictionary(uniqueKeysWithValues: page.map { ($0.state, $0) })
            #expect(byState[.transcoding]?.claimedBy == "agent-a" && byState[.transcoding]?.leaseUntil != nil)
            #expect(byState[.transcoding]?.progress == 42.5 && byState[.transcoding]?.fence == running.fence)
            #expect(byState[.failed]?.failedIn == .probing && byState[.failed]?.nextAttemptAt != nil)
            #expect(page.contains { $0.metadata == "{\"title\":\"Übung\"}" })
            #expect(page.allSatisfy { $0.priority == 7 })
        }
    }

    @Test(arguments: StoreBackend.allCases) func overviewCountsPerWatchAndWhatFinishedSince(backend: StoreBackend)
        async throws
    {
        try await backend.withStore { db, _ in
            var ids: [Int64] = []
            for (n, watch) in ["a", "a", "b", "b", "b"].enumerated() {
                let job = try await db.insertJob(
                    NewJob(sourcePath: "/w/\(n).mp4", watchName: watch, profile: "p"),
                    at: t0 + Double(n)
                )
                ids.append(try #require(job.id))
            }
            try await db.apply(.rejected(reason: "not a video"), toJob: ids[0], policy: policy, at: t0 + 100)
            try await db.apply(.rejected(reason: "not a video"), toJob: ids[2], policy: policy, at: t0 + 10)
            try await db.apply(.failed(error: "503"), toJob: ids[3], policy: policy, at: t0 + 100)
            let overview = try await db.queueOverview(since: t0 + 50)
            #expect(
                overview.counts[.discovered] == 2 && overview.counts[.rejected] == 2 && overview.counts[.failed] == 1
            )
            #expect(overview.perWatch["a"] == [.rejected: 1, .discovered: 1])
            #expect(overview.perWatch["b"] == [.rejected: 1, .failed: 1, .discovered: 1])
            #expect(overview.finishedSince[.rejected] == 1, "one rejection before the cutoff, one after")
            #expect(overview.finishedSince[.published] == 0)
            #expect(overview.oldestWaiting?.id == ids[1])
            #expect(overview.nextRetryAt == t0 + 130)
            #expect(try await db.nextRetryDue() == t0 + 130)
            #expect(try await db.jobCounts()[.rejected] == 2)
            let byWatch = try await db.jobCountsByWatch()
            #expect(byWatch["b"]?[.failed] == 1 && byWatch["a"]?[.discovered] == 1)
            #expect(try await db.unfinishedJobs(limit: 10).compactMap(\.id) == [ids[4], ids[3], ids[1]])
        }
    }

    /// A progress tick reaches subscribers and the row, but only while the job works.
    @Test(arguments: StoreBackend.allCases) func progressIsKeptOnlyForWorkingJobs(backend: StoreBackend) async throws {
        try await backend.withStore { db, _ in
            let id = try #require(
                try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: nil, profile: "p")).id
            )
            let updates = db.updates.subscribe()
            try await db.setProgress(job: id, percent: 10, etaSeconds: 5, at: t0)
            #expect(try await db.job(id: id)?.progress == nil, "a queued job has no progress")
            try await db.apply(.settled, toJob: id, policy: policy, at: t0)
            try await db.apply(.probeStarted, toJob: id, policy: policy, at: t0)
            try await db.setProgress(job: id, percent: 42.5, etaSeconds: 7, at: t0 + 1)
            let job = try #require(try await db.job(id: id))
            #expect(job.progress == 42.5 && job.etaSeconds == 7)
            var kinds: [String] = []
            for await update in updates {
                kinds.append(update.kind == .progress ? "progress \(update.percent ?? -1)" : update.state.rawValue)
                if kinds.count == 3 { break }
            }
            #expect(kinds == ["stable", "probing", "progress 42.5"])
        }
    }

    /// An agent must not run on a database a newer agent migrated: it names what it does not know.
    @Test(arguments: StoreBackend.allCases) func aSchemaFromANewerAgentIsRefused(backend: StoreBackend) async throws {
        try await backend.withStore { db, dir in
            #expect(!(try await db.appliedMigrations()).isEmpty)
            try await db.ping()
            switch backend {
            case .sqlite:
                let path = dir.path + "/state/reel-ingest.sqlite"
                let result = try await runProcessAsync(
                    "/usr/bin/sqlite3",
                    [path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')"]
                )
                #expect(result.status == 0, "\(result.stderr)")
                #expect(throws: StoreError.schemaTooNew(migrations: ["v99-from-the-future"], location: path)) {
                    try SQLiteStore(path: path)
                }
            case .postgres:
                let place = try #require((db as? PostgresStore)?.place)
                try await TestPostgres.administer(
                    place,
                    "INSERT INTO reel_ingest_migrations (id) VALUES ('p99-from-the-future')"
                )
                await #expect(
                    throws: StoreError.schemaTooNew(migrations: ["p99-from-the-future"], location: place.description)
                ) {
                    try await PostgresStore.withStore(place, logger: TestPostgres.logger) { _ in }
                }
            }
        }
    }
}
