import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// A config in a temp dir with its own state dir and watches.d.
private struct Setup {
    let dir: TempDirectory
    let config: String

    init(extra: String = "") throws {
        dir = try TempDirectory()
        config = try dir.write(
            "agent.toml",
            """
            [agent]
            state_dir = "state"
            scratch_dir = "scratch"
            watches_dir = "watches.d"
            [limits]
            settle_time = "300ms"
            poll_interval = "100ms"
            [retry]
            base_delay = "1s"
            \(extra)
            """
        )
    }

    func run(_ arguments: [String]) async throws -> CLI.Result {
        try await CLI.run(arguments + ["--config", config])
    }

    func database() throws -> SQLiteStore {
        try SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite")
    }
}

@Suite("CLI")
struct CLITests {
    @Test(arguments: [
        ["--help"], ["run", "--help"], ["config", "check", "--help"], ["watch", "add", "--help"],
        ["watch", "list", "--help"], ["watch", "remove", "--help"], ["jobs", "list", "--help"],
        ["jobs", "show", "--help"],
        ["jobs", "retry", "--help"], ["jobs", "cancel", "--help"], ["status", "--help"], ["retry-sweep", "--help"],
        ["agents", "--help"], ["agents", "drain", "--help"],
        ["transcode", "--help"], ["probe", "--help"], ["push", "--help"],
    ])
    func everyCommandExplainsItself(arguments: [String]) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.contains("OVERVIEW:"))
        #expect(result.stdout.contains("USAGE: reel-ingest"))
    }

    @Test(arguments: [
        ["frobnicate"], ["jobs", "list", "--limit", "0"], ["jobs", "list", "--state", "sleeping"],
        ["status", "--bogus"],
    ])
    func badUsageExitsTwo(arguments: [String]) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func configCheckPrintsResolvedSettings() async throws {
        let setup = try Setup()
        defer { setup.dir.remove() }
        let result = try await setup.run(["config", "check"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("state_dir = \"\(setup.dir.path)/state\""))
        #expect(result.stderr.contains("configuration OK"))
        let json = try #require(try await setup.run(["config", "check", "--json"]).json() as? [String: Any])
        #expect(json["valid"] as? Bool == true)
        let limits = try #require(json["limits"] as? [String: Any])
        #expect(limits["settle_time"] as? String == "300ms")
        #expect(limits["max_file_size"] as? String == "500MiB")
    }

    @Test func configPathComesFromTheEnvironment() async throws {
        let setup = try Setup()
        defer { setup.dir.remove() }
        let result = try await CLI.run(
            ["config", "check", "--json"],
            environment: ["REEL_INGEST_CONFIG": setup.config]
        )
        let json = try #require(try result.json() as? [String: Any])
        #expect(json["config_file"] as? String == setup.config)
    }

    @Test(arguments: [
        ("[agent]\nparallel_jobs = 0", "agent.parallel_jobs: out of range: 0 (allowed 1...64)"),
        ("[agent]\nparalel_jobs = 2", "agent.paralel_jobs: unknown key (did you mean 'parallel_jobs'?)"),
        ("[storage]\nregion = 5", "storage.region: expected a string, found integer"),
        ("[storage]\nurl = \"gs://bucket\"", "storage.url: unsupported scheme \"gs\""),
        ("[limits]\nsettle_time = \"soon\"", "limits.settle_time: not a duration"),
        ("[api]\nlisten = \"everywhere\"", "api.listen: expected HOST:PORT"),
        ("[storage]\nserver_side_encryption = \"rot13\"", "storage.server_side_encryption: unknown value \"rot13\""),
        ("[retry]\nbase_delay = \"2h\"\nmax_delay = \"1h\"", "retry.max_delay: must not be shorter than base_delay"),
        ("[agent\n", "TOML syntax error at line"),
    ])
    func badConfigExitsTwoAndSaysWhy(config: String, message: String) async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = try dir.write("agent.toml", config)
        let result = try await CLI.run(["config", "check", "--config", file])
        #expect(result.status == 2)
        #expect(result.stderr.contains("reel-ingest: invalid configuration: \(file): "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        let json = try await CLI.run(["config", "check", "--json", "--config", file])
        #expect(json.status == 2)
        let parsed = try #require(try json.json() as? [String: Any])
        #expect(parsed["valid"] as? Bool == false)
        #expect((parsed["errors"] as? [Any])?.isEmpty == false)
        // Every other command refuses the same file the same way.
        #expect(try await CLI.run(["status", "--config", file]).status == 2)
    }

    @Test func watchAddListRemove() async throws {
        let setup = try Setup()
        defer { setup.dir.remove() }
        let share = try setup.dir.mkdir("share/line 3")
        let added = try await setup.run([
            "watch", "add", share, "--name", "line-3", "--priority", "5", "--on-success", "move:done",
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let dropIn = setup.dir.path + "/watches.d/line-3.toml"
        #expect(FileManager.default.fileExists(atPath: dropIn))
        #expect(try await setup.run(["watch", "add", share, "--name", "again"]).status == 2, "same folder twice")
        #expect(try await setup.run(["watch", "add", "/nonexistent", "--name", "x"]).status == 2)
        #expect(try await setup.run(["config", "check"]).status == 0, "the written drop-in is valid")

        let list = try #require(try await setup.run(["watch", "list", "--json"]).json() as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["name"] as? String == "line-3")
        #expect(list.first?["path"] as? String == share)
        #expect(list.first?["state"] as? String == "ok")
        #expect(list.first?["priority"] as? Int == 5)

        try FileManager.default.removeItem(atPath: share)
        let missing = try #require(try await setup.run(["watch", "list", "--json"]).json() as? [[String: Any]])
        #expect(missing.first?["state"] as? String == "missing")

        let removed = try await setup.run(["watch", "remove", "line-3"])
        #expect(removed.status == 0)
        #expect(!FileManager.default.fileExists(atPath: dropIn))
        let unknown = try await setup.run(["watch", "remove", "line-3"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no watch named or watching \"line-3\""))
    }

    @Test func jobsListShowRetryCancel() async throws {
        let setup = try Setup()
        defer { setup.dir.remove() }
        let db = try setup.database()
        let policy = RetryPolicy()
        let a = try #require(
            try await db.insertJob(NewJob(sourcePath: "/w/a.mp4", watchName: "w", profile: "default")).id
        )
        let b = try #require(
            try await db.insertJob(NewJob(sourcePath: "/w/b.mp4", watchName: "w", profile: "default")).id
        )
        try await db.apply(.rejected(reason: "not a video file"), toJob: a, policy: policy)

        let all = try #require(try await setup.run(["jobs", "list", "--json"]).json() as? [[String: Any]])
        #expect(all.compactMap { $0["id"] as? Int } == [Int(b), Int(a)])
        let rejected = try #require(
            try await setup.run(["jobs", "list", "--state", "rejected", "--json"]).json() as? [[String: Any]]
        )
        #expect(rejected.count == 1)
        #expect(rejected.first?["lastError"] as? String == "not a video file")
        let limited = try #require(
            try await setup.run(["jobs", "list", "--limit", "1", "--json"]).json() as? [[String: Any]]
        )
        #expect(limited.count == 1)

        let show = try #require(try await setup.run(["jobs", "show", "\(a)", "--json"]).json() as? [String: Any])
        #expect((show["stages"] as? [Any])?.count == 2)
        #expect(try await setup.run(["jobs", "show", "\(a)"]).stdout.contains("not a video file"))
        let missing = try await setup.run(["jobs", "show", "999"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no job with id 999"))

        #expect(try await setup.run(["jobs", "retry", "\(a)"]).status == 0)
        #expect(try await db.job(id: a)?.state == .stable)
        #expect(try await setup.run(["jobs", "cancel", "\(b)"]).status == 0)
        #expect(try await db.job(id: b)?.state == .cancelled)
        let again = try await setup.run(["jobs", "cancel", "\(b)"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("cannot apply 'cancelled' to a job that is cancelled"))
    }

    @Test func statusCountsByState() async throws {
        let setup = try Setup()
        defer { setup.dir.remove() }
        let db = try setup.database()
        for n in 0..<3 {
            _ = try await db.insertJob(NewJob(sourcePath: "/w/\(n).mp4", watchName: "w", profile: "default"))
        }
        let json = try #require(try await setup.run(["status", "--json"]).json() as? [String: Any])
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts["discovered"] == 3)
        #expect(counts["published"] == 0)
        #expect(json["total"] as? Int == 3)
        #expect((json["oldestWaiting"] as? [String: Any])?["sourcePath"] as? String == "/w/0.mp4")
        let text = try await setup.run(["status"])
        #expect(text.stdout.contains("oldest waiting: job"))
    }

    @Test func retrySweepRequeuesDueFailures() async throws {
        let setup = try Setup()
        defer { setup.dir.remove() }
        let db = try setup.database()
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(1), maxDelay: .seconds(1))
        let due = try #require(
            try await db.insertJob(NewJob(sourcePath: "/w/due.mp4", watchName: "w", profile: "p")).id
        )
        let later = try #require(
            try await db.insertJob(NewJob(sourcePath: "/w/later.mp4", watchName: "w", profile: "p")).id
        )
        try await db.apply(.failed(error: "503"), toJob: due, policy: policy, at: Date().addingTimeInterval(-60))
        try await db.apply(.failed(error: "503"), toJob: later, policy: RetryPolicy(baseDelay: .seconds(3600)))
        // Scratch folders: the due job's is kept (it runs again), a finished job's and a stranger's go.
        let published = try #require(
            try await db.insertJob(NewJob(sourcePath: "/w/done.mp4", watchName: "w", profile: "p")).id
        )
        try await db.apply(.rejected(reason: "not a video file"), toJob: published, policy: policy)
        for id in [due, published, 999] { _ = try setup.dir.mkdir("scratch/job-\(id)/out") }
        let report = try #require(try await setup.run(["retry-sweep", "--json"]).json() as? [String: Any])
        #expect(report["requeued"] as? [Int] == [Int(due)])
        #expect(report["removedScratch"] as? [Int] == [Int(published), 999])
        #expect(try await db.job(id: due)?.state == .stable)
        #expect(try await db.job(id: later)?.state == .failed)
        #expect(FileManager.default.fileExists(atPath: setup.dir.path + "/scratch/job-\(due)"))
        #expect(!FileManager.default.fileExists(atPath: setup.dir.path + "/scratch/job-999"))

        // In words, one line per action; a second sweep has nothing to do.
        _ = try setup.dir.mkdir("scratch/job-1234")
        let text = try await setup.run(["retry-sweep"])
        #expect(text.status == 0)
        #expect(text.stdout == "removed the scratch folder of job 1234\n")
        #expect(try await setup.run(["retry-sweep"]).stdout == "nothing to do\n")
    }

    /// A credentials file that cannot be used is said where it stops something, never read as "no credentials"
    /// (the CDN's lookup used to be `try?`, and CloudFront went unsigned without a word).
    @Test func unusableCredentialsFileIsAClearError() async throws {
        let setup = try Setup(
            extra: """
                [storage]
                url = "file:published"
                credentials_file = "credentials"
                [cdn]
                provider = "cloudfront"
                distribution_id = "E123"
                base_url = "https://cdn.example.com/media"
                """
        )
        defer { setup.dir.remove() }
        let file = try setup.dir.write("credentials", "[other]\naws_access_key_id = A\n", mode: 0o600)
        let sweep = try await setup.run(["retry-sweep", "--json"])
        let report = try #require(try sweep.json() as? [String: Any])
        #expect(
            report["errors"] as? [String] == [
                "CDN retries skipped: \(file) has no [default] section with aws_access_key_id and aws_secret_access_key"
            ]
        )
        // The agent does not start with it.
        let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", setup.config])
        let status = await agent.waitForExit(timeout: .seconds(30))
        if status == nil { agent.signal(SIGKILL) }
        #expect(status == 1)
        #expect(agent.log.contains("\(file) has no [default] section"), "\(agent.log)")
    }

    /// `probe` and `transcode` are handed to the `reel-ingest-media` worker with their arguments unchanged.
    @Test func mediaCommandsRunInTheWorker() async throws {
        let missing = try await CLI.run(["probe", "/nonexistent/clip.mp4"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "no such file: /nonexistent/clip.mp4\n")
        let usage = try await CLI.run(["transcode", "/nonexistent/clip.mp4"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--out"))
        let dir = try TempDirectory()
        defer { dir.remove() }
        let notes = try dir.write("notes.mp4", "shift report\n")
        let bad = try await CLI.run(["transcode", notes, "--out", dir.path + "/out", "--progress", "json"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "not a video file\n")
        // Limits the daemon hands over are applied first thing; ones it cannot read stop the worker.
        let garbled = try await CLI.run(["probe", notes], environment: ["REEL_INGEST_WORKER_LIMITS": "as=lots"])
        #expect(garbled.status == 1)
        #expect(garbled.stderr == "reel-ingest: error: REEL_INGEST_WORKER_LIMITS is not valid: as=lots\n")
        let tight = try await CLI.run(["probe", notes], environment: ["REEL_INGEST_WORKER_LIMITS": "as=1048576"])
        #expect(tight.status != 0, "a 1 MiB address space cannot even load libav")
    }

    /// Without the worker beside it, the media commands fail with a plain reason instead of crashing.
    @Test func missingWorkerIsAPlainError() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let copy = dir.path + "/reel-ingest"
        // Copied by cp, so no parallel test's child can inherit our write descriptor and make exec fail (ETXTBSY).
        _ = try await runProcessAsync("/bin/cp", [TestBinaries.reelIngest, copy])
        let result = try await CLI.run(["probe", "/nonexistent/clip.mp4"], binary: copy)
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix("reel-ingest: error: cannot start the media worker \(dir.path)/reel-ingest-media")
        )
    }
}
