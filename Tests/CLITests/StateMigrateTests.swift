import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// `reel-ingest state migrate --to postgres://…`: an installation's SQLite history moves into PostgreSQL, and the
/// commands of an agent configured for that database see the same jobs.
@Suite("CLI: state migrate")
struct StateMigrateTests {
    @Test func aSQLiteHistoryMovesAndTheSameJobsAreSeenThere() async throws {
        try await TestPostgres.withFreshDatabase { place in
            let dir = try TempDirectory()
            defer { dir.remove() }
            let single = try dir.write("single.toml", "[agent]\nstate_dir = \"state\"\n")
            try FileManager.default.createDirectory(atPath: dir.path + "/state", withIntermediateDirectories: true)
            let sqlite = try SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite")
            for name in ["a", "b", "c"] {
                let job = try await sqlite.insertJob(
                    NewJob(sourcePath: "/srv/\(name).mp4", watchName: "w", profile: "p")
                )
                try await sqlite.apply(.settled, toJob: try #require(job.id), policy: RetryPolicy())
            }
            var url = place
            url.password = nil
            let environment = ["PGPASSWORD": place.password ?? ""]

            let secret = place.password ?? "no password"
            let inURL = "postgres://\(place.username):\(secret)@\(place.host):\(place.port)/\(place.database)"
            let withPassword = try await CLI.run(
                ["state", "migrate", "--to", inURL, "--config", single],
                environment: environment
            )
            #expect(withPassword.status != 0 && withPassword.stderr.contains("never in the URL"))
            #expect(!withPassword.stderr.contains(secret), "no secret in an error")

            let moved = try await CLI.run(
                ["state", "migrate", "--to", "\(url)", "--config", single],
                environment: environment
            )
            #expect(moved.status == 0, "\(moved.stderr)")
            #expect(moved.stdout.contains("copied 3 rows of video_processing_jobs"), "\(moved.stdout)")
            #expect(moved.stdout.contains("done: 3 jobs"))

            let fleet = try dir.write("fleet.toml", "[agent]\nstate_dir = \"other\"\n\n[database]\nurl = \"\(url)\"\n")
            let before = try await CLI.run(["jobs", "list", "--json", "--config", single])
            let after = try await CLI.run(["jobs", "list", "--json", "--config", fleet], environment: environment)
            #expect(after.status == 0, "\(after.stderr)")
            let ids = { (result: CLI.Result) throws -> [String] in
                try #require(try result.json() as? [[String: Any]]).map {
                    "\($0["id"] ?? "") \($0["state"] ?? "") \($0["sourcePath"] ?? "")"
                }
            }
            #expect(try ids(after) == (try ids(before)) && (try ids(after)).count == 3)

            let again = try await CLI.run(
                ["state", "migrate", "--to", "\(url)", "--config", single],
                environment: environment
            )
            #expect(again.status != 0 && again.stderr.contains("already holds 3 jobs"), "\(again.stderr)")
        }
    }
}
