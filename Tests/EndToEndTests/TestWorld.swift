import Foundation
import IngestCore
import IngestStore
import TestSupport

/// The servers `make test` starts (scripts/test-servers.sh): moto with signatures enforced, and Varnish in front of
/// it through a signing origin. Found through environment variables; missing ones fail the test with what to run.
struct Servers {
    let endpoint: String
    let accessKey: String
    let secretKey: String
    let bucket: String
    let region: String
    let varnish: String

    static func require() throws -> Servers {
        func value(_ name: String) throws -> String {
            try TestServerEnvironment.value(name, neededBy: "the end-to-end tests")
        }
        return Servers(
            endpoint: try value("REEL_INGEST_TEST_S3_ENDPOINT"),
            accessKey: try value("REEL_INGEST_TEST_S3_ACCESS_KEY"),
            secretKey: try value("REEL_INGEST_TEST_S3_SECRET_KEY"),
            bucket: try value("REEL_INGEST_TEST_S3_BUCKET"),
            region: TestServerEnvironment.region,
            varnish: try value("REEL_INGEST_TEST_VARNISH_URL")
        )
    }

    var awsEnvironment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        ]
    }

    /// The aws CLI: the independent client that checks what the agent stored.
    @discardableResult
    func aws(_ arguments: [String]) async throws -> ProcessResult {
        let result = try await runProcessAsync(
            "/usr/bin/env",
            ["aws", "--endpoint-url", endpoint] + arguments,
            environment: awsEnvironment
        )
        guard result.status == 0 else {
            throw CommandFailed(command: "aws \(arguments.joined(separator: " "))", result: result)
        }
        return result
    }

    /// Every key under `prefix/`, as `aws s3api list-objects-v2` reports them. The bucket is listed whole and
    /// filtered here: moto with IAM checking on refuses (SignatureDoesNotMatch) any listing whose prefix holds a `/`.
    func keys(under prefix: String) async throws -> [String] {
        let result = try await aws(["s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"])
        guard !result.stdout.isEmpty,
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let contents = object["Contents"] as? [[String: Any]]
        else { return [] }
        return contents.compactMap { $0["Key"] as? String }.filter { $0.hasPrefix(prefix + "/") }.sorted()
    }

    /// Downloads everything under `prefix/` into `directory` (keys relative to the prefix), listing the whole
    /// bucket for the reason above.
    func download(_ prefix: String, into directory: String) async throws {
        try await aws([
            "s3", "cp", "--recursive", "--quiet", "s3://\(bucket)/", directory, "--exclude", "*", "--include",
            prefix + "/*",
        ])
    }
}

struct CommandFailed: Error, CustomStringConvertible {
    let command: String
    let result: ProcessResult
    var description: String { "\(command) exited \(result.status): \(result.stderr)\(result.stdout)" }
}

/// One agent's world: a temp folder with agent.toml, watch drop-ins, state and scratch, publishing under a prefix of
/// the test bucket that no other test uses, through Varnish as its CDN.
struct TestWorld {
    let dir: TempDirectory
    let servers: Servers
    /// Agents sharing a bucket folder (a fleet) set the same prefix.
    var prefix: String
    var endpoint: String
    /// Beside the S3 credentials, for the agent's process (PGPASSWORD for a fleet).
    var environment: [String: String] = [:]
    var extraAgent = ""
    var extraStorage = ""
    var extraCDN = ""
    var maxAttempts = 3

    init(_ name: String, servers: Servers) throws {
        dir = try TempDirectory()
        self.servers = servers
        prefix = "e2e/\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        endpoint = servers.endpoint
    }

    var config: String { dir.path + "/agent.toml" }
    var databasePath: String { dir.path + "/state/reel-ingest.sqlite" }
    var cdnBase: String { servers.varnish + "/" + servers.bucket + "/" + prefix }

    /// A small ladder (360p and 240p, 2 s segments, ultrafast) so each transcode takes a second or two.
    func writeConfig() throws {
        try dir.write(
            "agent.toml",
            """
            [agent]
            state_dir = "state"
            scratch_dir = "scratch"
            watches_dir = "watches.d"
            shutdown_timeout = "10s"
            \(extraAgent)

            [limits]
            settle_time = "300ms"
            poll_interval = "200ms"

            [retry]
            max_attempts = \(maxAttempts)
            base_delay = "1s"
            max_delay = "2s"

            [storage]
            url = "s3://\(servers.bucket)/\(prefix)"
            endpoint = "\(endpoint)"
            region = "\(servers.region)"
            path_style = true
            part_size = "5MiB"
            multipart_threshold = "5MiB"
            \(extraStorage)

            [cdn]
            provider = "http-purge"
            base_url = "\(cdnBase)"
            prewarm_segments = 2
            \(extraCDN)

            [profiles.default]
            segment_duration = "2s"
            mp4_height = 360

            [[profiles.default.renditions]]
            height = 360
            video_bitrate = "600k"
            maxrate = "700k"
            bufsize = "1200k"
            preset = "ultrafast"

            [[profiles.default.renditions]]
            height = 240
            video_bitrate = "300k"
            maxrate = "350k"
            bufsize = "600k"
            preset = "ultrafast"

            [profiles.default.thumbnails]
            percentages = [50]
            widths = [160]
            poster = true

            """
        )
    }

    /// A watched folder with its drop-in.
    @discardableResult
    func watch(_ name: String, extra: String = "") throws -> String {
        let folder = try dir.mkdir(name)
        try dir.write("watches.d/\(name).toml", "path = \"\(folder)\"\n\(extra)\n")
        return folder
    }

    func startAgent() throws -> LineProcess {
        try LineProcess(
            TestBinaries.reelIngest,
            ["run", "--config", config],
            environment: servers.awsEnvironment.merging(environment) { $1 }
        )
    }

    func database() throws -> SQLiteStore { try SQLiteStore(path: databasePath) }

    /// Puts a finished file into a watched folder the way copy tools do: written beside it, then renamed in.
    func drop(_ source: String, into folder: String, as name: String? = nil) throws {
        let target = folder + "/" + (name ?? (source as NSString).lastPathComponent)
        let temporary = folder + "/." + (target as NSString).lastPathComponent + ".part"
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        try FileManager.default.moveItem(atPath: temporary, toPath: target)
    }

    /// `videos/<id>/video.json` as stored, decoded.
    func publishedVideo(_ videoId: String) async throws -> PublishedVideo {
        let file = dir.path + "/video-\(videoId).json"
        try await servers.aws([
            "s3", "cp", "s3://\(servers.bucket)/\(prefix)/videos/\(videoId)/video.json", file, "--quiet",
        ])
        return try PublishedVideo.decode(try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    func remove() { dir.remove() }
}

/// Test clips, made by the ffmpeg CLI at test time.
enum Clips {
    static func ffmpeg(_ arguments: [String]) async throws {
        let result = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-y"] + arguments
        )
        guard result.status == 0 else { throw CommandFailed(command: "ffmpeg", result: result) }
    }

    /// H.264 + AAC in MP4, 640×360.
    static func h264(_ path: String, seconds: Int = 4, size: String = "640x360") async throws -> String {
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
        ])
        return path
    }

    /// MPEG-4 Part 2 in QuickTime, no audio, 480×270.
    static func mpeg4Silent(_ path: String, seconds: Int = 3) async throws -> String {
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc=size=480x270:rate=30:duration=\(seconds)", "-c:v", "mpeg4", "-q:v", "5",
            path,
        ])
        return path
    }

    /// A longer H.264 source at a high rate (so the transcode lasts seconds and the source is worth a multipart
    /// upload): noise keeps the encoder busy.
    static func long(_ path: String, seconds: Int = 40, bitrate: String = "3M") async throws -> String {
        try await ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=330:duration=\(seconds)",
            "-vf", "noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", bitrate,
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path,
        ])
        return path
    }

    /// VP8 + Opus in Matroska, 400×300.
    static func vp8(_ path: String, seconds: Int = 3) async throws -> String {
        try await ffmpeg([
            "-f", "lavfi", "-i", "smptebars=size=400x300:rate=24:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=220:duration=\(seconds)",
            "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-c:a", "libopus",
            "-shortest", path,
        ])
        return path
    }
}

/// Waits for `condition` on the agent's database, which another process writes: checked on every log line the
/// agent prints (each state change logs one), with `timeout` as the bound.
func waitForJobs(
    _ world: TestWorld,
    agent: LineProcess,
    timeout: Duration = .seconds(120),
    _ what: String,
    until condition: @escaping @Sendable ([JobRecord]) -> Bool
) async throws -> [JobRecord] {
    let database = try world.database()
    let deadline = ContinuousClock.now + timeout
    var seen = agent.log.split(separator: "\n").count
    while true {
        let jobs = try await database.jobs(limit: 1000)
        if condition(jobs) { return jobs }
        guard ContinuousClock.now < deadline else {
            let states = jobs.map { "job \($0.id ?? 0) \($0.state.rawValue) \($0.lastError ?? "")" }
            throw WaitFailed(what: what, detail: states.joined(separator: "\n") + "\nagent log:\n" + agent.log)
        }
        // The next log line (any) means something happened.
        _ = try? await agent.waitForLine(afterLine: seen, timeout: .seconds(2))
        seen = agent.log.split(separator: "\n").count
    }
}

/// Waits for the agent to start a transcode worker and returns its process id (the agent logs it).
func workerPid(_ agent: LineProcess, timeout: Duration = .seconds(60)) async throws -> Int32 {
    let line = try await agent.waitForLine(containing: "[IngestAgent] worker started", timeout: timeout)
    guard let range = line.range(of: "pid="),
        let pid = Int32(line[range.upperBound...].prefix { $0.isNumber })
    else { throw WaitFailed(what: "the worker's pid", detail: line) }
    return pid
}

/// The processes whose parent is `pid` and whose command line contains `text` (read from /proc).
func children(of pid: Int32, matching text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { child in
        guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, Int32(fields[1]) == pid else { return false }
        let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/cmdline"))) ?? Data()
        return String(decoding: command.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
    }
}

/// A job's stage rows, read by the sqlite3 CLI: an independent look at what the agent committed.
func stageEvents(_ world: TestWorld, job: Int64) async throws -> [String] {
    let result = try await runProcessAsync(
        "/usr/bin/sqlite3",
        [world.databasePath, "SELECT event FROM video_processing_stages WHERE job_id = \(job) ORDER BY id"]
    )
    return result.stdout.split(separator: "\n").map(String.init)
}

struct WaitFailed: Error, CustomStringConvertible {
    let what: String
    let detail: String
    var description: String { "timed out waiting for \(what):\n\(detail)" }
}
