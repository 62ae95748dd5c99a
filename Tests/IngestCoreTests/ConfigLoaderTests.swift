import Foundation
import IngestCore
import TestSupport
import Testing

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Loads `agent` (and optional drop-ins) from a temp dir and returns the issues, or [] when it loads.
private func issues(agent: String, watches: [String: String] = [:], setup: (TempDirectory) throws -> Void = { _ in })
    throws -> [ConfigIssue]
{
    let dir = try TempDirectory()
    defer { dir.remove() }
    try setup(dir)
    let file = try dir.write("agent.toml", agent)
    for (name, text) in watches { try dir.write("watches.d/\(name).toml", text) }
    do {
        _ = try ConfigLoader.load(path: file, mustExist: true)
        return []
    } catch {
        return error.issues
    }
}

@Suite("Configuration")
struct ConfigLoaderTests {
    @Test("the documented agent.toml states exactly the embedded defaults")
    func documentedDefaultsMatchEmbedded() throws {
        let loaded = try ConfigLoader.load(path: repoRoot + "/etc/reel-ingest/agent.toml", mustExist: true)
        let embedded = AgentConfig()
        #expect(loaded.limits == embedded.limits)
        #expect(loaded.retry == embedded.retry)
        #expect(loaded.storage == embedded.storage)
        #expect(loaded.cdn == embedded.cdn)
        #expect(loaded.api == embedded.api)
        #expect(loaded.profiles == embedded.profiles)
        #expect(loaded.agent.stateDir == embedded.agent.stateDir)
        #expect(loaded.agent.parallelJobs == embedded.agent.parallelJobs)
        #expect(loaded.agent.jobTimeout == embedded.agent.jobTimeout)
        #expect(loaded.database == embedded.database)
    }

    @Test func demoConfigResolvesUnderTheRepository() throws {
        let demo = try ConfigLoader.load(
            path: repoRoot + "/etc/reel-ingest/demo.toml",
            mustExist: true,
            requireWatchFolders: false
        )
        #expect(demo.agent.stateDir == repoRoot + "/demo/state")
        #expect(demo.storage.url == "file://" + repoRoot + "/demo/published")
    }

    @Test func missingDefaultFileFallsBackToEmbeddedDefaults() throws {
        let config = try ConfigLoader.load(path: "/nonexistent/agent.toml", mustExist: false)
        #expect(config.file == nil)
        #expect(config.limits.maxFileSize == 500 * 1_048_576)
        #expect(config.retry.maxAttempts == 3)
    }

    @Test func missingExplicitFileIsAnError() {
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: "/nonexistent/agent.toml", mustExist: true) }
    }

    @Test func sizesDurationsAndDropInsParse() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let share = try dir.mkdir("share")
        let file = try dir.write(
            "agent.toml",
            """
            [limits]
            max_file_size = "2GiB"
            settle_time = 12
            [storage]
            url = "s3://training-videos/factory"
            part_size = 8388608
            [[profiles.small.renditions]]
            height = 360
            video_bitrate = "800k"
            """
        )
        try dir.write(
            "watches.d/line-3.toml",
            """
            path = "\(share)"
            profile = "small"
            on_success = "move:done"
            settle_time = "45s"
            metadata_template = "{machineModel}/{title}"
            """
        )
        let config = try ConfigLoader.load(path: file, mustExist: true)
        #expect(config.limits.maxFileSize == 2 << 30)
        #expect(config.limits.settleTime == .seconds(12))
        #expect(config.storage.partSize == 8 << 20)
        #expect(config.profiles["small"]?.renditions.map(\.height) == [360])
        #expect(config.profiles["small"]?.renditions.first?.maxrate == 856_000)
        #expect(config.profiles["default"] != nil)
        let watch = try #require(config.watches.first)
        #expect(watch.name == "line-3")
        #expect(watch.path == share)
        #expect(watch.onSuccess == .move(to: "done"))
        #expect(watch.settleTime == .seconds(45))
    }

    // Each bad configuration names the file, the key and the specific problem.
    @Test func tomlSyntaxErrorGivesLine() throws {
        let found = try issues(agent: "[agent]\nparallel_jobs = 2\nstate_dir = \"/x\n")
        #expect(found.count == 1)
        #expect(found.first?.problem.hasPrefix("TOML syntax error at line 3") == true)
        #expect(found.first?.file.hasSuffix("agent.toml") == true)
    }

    @Test func unknownKeySuggestsTheRightOne() throws {
        let found = try issues(agent: "[agent]\nparallel_job = 2\n")
        #expect(found.map(\.key) == ["agent.parallel_job"])
        #expect(found.first?.problem == "unknown key (did you mean 'parallel_jobs'?)")
    }

    @Test func unknownSectionIsReported() throws {
        let found = try issues(agent: "[storgae]\nurl = \"s3://b\"\n")
        #expect(found.first?.key == "storgae")
        #expect(found.first?.problem == "unknown key (did you mean 'storage'?)")
    }

    @Test func wrongTypeNamesExpectedAndFound() throws {
        let found = try issues(agent: "[agent]\nparallel_jobs = \"two\"\n")
        #expect(found.first?.key == "agent.parallel_jobs")
        #expect(found.first?.problem == "expected an integer, found string")
    }

    @Test func outOfRangeGivesTheAllowedRange() throws {
        let found = try issues(agent: "[storage]\nconcurrency = 0\n")
        #expect(found.first?.key == "storage.concurrency")
        #expect(found.first?.problem == "out of range: 0 (allowed 1...64)")
    }

    @Test func partSizeBelowS3MinimumIsRefused() throws {
        let found = try issues(agent: "[storage]\npart_size = \"1MiB\"\n")
        #expect(found.first?.key == "storage.part_size")
        #expect(found.first?.problem.hasPrefix("out of range: 1048576 bytes (allowed 5MiB...5GiB)") == true)
    }

    @Test func unreadableSizeIsExplained() throws {
        let found = try issues(agent: "[limits]\nmax_file_size = \"500 MegaBytes\"\n")
        #expect(found.first?.key == "limits.max_file_size")
        #expect(found.first?.problem.hasPrefix("not a size: \"500 MegaBytes\"") == true)
    }

    @Test func missingWatchDirectory() throws {
        let found = try issues(agent: "", watches: ["cam": "path = \"/nonexistent/share\"\n"])
        #expect(found.first?.file.hasSuffix("watches.d/cam.toml") == true)
        #expect(found.first?.key == "path")
        #expect(found.first?.problem == "directory does not exist: /nonexistent/share")
    }

    @Test func credentialsFileReadableByOthers() throws {
        var credentials = ""
        let found = try issues(agent: "[storage]\nurl = \"s3://bucket\"\ncredentials_file = \"creds\"\n") { dir in
            credentials = try dir.write("creds", "[default]\naws_access_key_id = AKIA\n", mode: 0o644)
        }
        #expect(found.first?.key == "storage.credentials_file")
        #expect(
            found.first?.problem
                == "\(credentials) is readable by group or others (mode 644); run: chmod 600 \(credentials)"
        )
    }

    @Test func privateCredentialsFileIsAccepted() throws {
        let found = try issues(agent: "[storage]\nurl = \"s3://bucket\"\ncredentials_file = \"creds\"\n") { dir in
            try dir.write("creds", "[default]\n", mode: 0o600)
        }
        #expect(found.isEmpty)
    }

    @Test func unsupportedStorageScheme() throws {
        let found = try issues(agent: "[storage]\nurl = \"ftp://host/videos\"\n")
        #expect(found.first?.problem == "unsupported scheme \"ftp\" (use file:///dir or s3://bucket/prefix)")
    }

    @Test func unknownChecksumIsRefusedAndNoneIsAccepted() throws {
        let found = try issues(agent: "[storage]\nchecksum = \"sha1\"\n")
        #expect(found.first?.key == "storage.checksum")
        #expect(found.first?.problem == "unknown value \"sha1\" (crc32 or none)")
        #expect(try issues(agent: "[storage]\nchecksum = \"none\"\n").isEmpty)
    }

    @Test func unknownProfileInWatch() throws {
        let found = try issues(agent: "", watches: ["cam": "path = \"/tmp\"\nprofile = \"hd\"\n"])
        #expect(found.first?.key == "profile")
        #expect(found.first?.problem == "unknown profile \"hd\" (defined: default)")
    }

    @Test func failedSourcesAreNeverDeleted() throws {
        let found = try issues(agent: "", watches: ["cam": "path = \"/tmp\"\non_failure = \"delete\"\n"])
        #expect(found.first?.key == "on_failure")
        #expect(found.first?.problem.contains("failed sources are never deleted") == true)
    }

    @Test func oddRenditionHeight() throws {
        let found = try issues(agent: "[[profiles.default.renditions]]\nheight = 721\n")
        #expect(found.first?.key == "profiles.default.renditions[1].height")
        #expect(found.first?.problem.hasPrefix("must be even") == true)
    }

    @Test func cdnProviderNeedsBaseURL() throws {
        let found = try issues(agent: "[cdn]\nprovider = \"varnish\"\n")
        #expect(found.first?.key == "cdn.base_url")
        #expect(found.first?.problem == "required when provider is \"varnish\"")
    }

    @Test func twoWatchesOnOneFolder() throws {
        let found = try issues(agent: "", watches: ["a": "path = \"/tmp\"\n", "b": "path = \"/tmp\"\n"])
        #expect(found.count == 1)
        #expect(found.first?.problem.hasPrefix("/tmp is already watched by") == true)
    }

    @Test func allProblemsAreReportedTogether() throws {
        let found = try issues(agent: "[agent]\nparallel_jobs = 0\nlog_level = \"loud\"\n[retry]\nmax_attempts = 0\n")
        #expect(Set(found.compactMap(\.key)) == ["agent.parallel_jobs", "agent.log_level", "retry.max_attempts"])
    }
}
