import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The agent killed with SIGKILL at each named point of its work (`REEL_INGEST_KILL_POINT`), then started again:
/// afterwards every source is published exactly once or ended with a reason, the bucket holds exactly what
/// `video.json` names with the sizes and hashes it records, no multipart upload is left after a sweep, no job is
/// left running, SQLite's integrity check passes, and no source was moved or deleted before its publication
/// committed. Three suites of seven or eight points run side by side; the points inside a suite run one after another.
struct KillScenario: Sendable, CustomTestStringConvertible {
    enum Trigger: Sendable {
        /// A clip dropped into the watched folder.
        case drop
        /// The clip uploaded with tus 1.0, or with the chunked upload API.
        case tus, chunked
        /// `reel-ingest retry-sweep` (the killed process is the sweep, not the agent).
        case sweep
        /// SIGHUP after the clip is published.
        case reload
    }

    var point: KillPoint
    var hit = 1
    var trigger = Trigger.drop
    var onSuccess = "move:done"

    var armed: String { point.rawValue + (hit > 1 ? "@\(hit)" : "") }
    var testDescription: String { armed + (onSuccess == "delete" ? " (on_success delete)" : "") }

    static let all: [KillScenario] = [
        .init(point: .afterDiscovery), .init(point: .midHash), .init(point: .afterJobRow), .init(point: .midProbe),
        .init(point: .midTranscode), .init(point: .midTranscode, hit: 12), .init(point: .betweenTranscodeAndUpload),
        .init(point: .midPart), .init(point: .beforeComplete), .init(point: .betweenCompleteAndCommit),
        .init(point: .betweenStoreAndRecord, hit: 3), .init(point: .beforeVideoJSON), .init(point: .afterVideoJSON),
        .init(point: .midPurge),
        .init(point: .midPrewarm), .init(point: .duringOnSuccess), .init(point: .duringOnSuccess, onSuccess: "delete"),
        .init(point: .midTusUpload, trigger: .tus), .init(point: .midChunkedUpload, trigger: .chunked),
        .init(point: .uploadHandOff, trigger: .tus), .init(point: .midRetrySweep, trigger: .sweep),
        .init(point: .midReload, trigger: .reload),
    ]
}

@Suite("end to end: kill points (1 of 3)", .serialized)
struct KillPointTestsA {
    @Test(.timeLimit(.minutes(3)), arguments: KillScenario.all[0..<7])
    func killedHereThenRestarted(_ scenario: KillScenario) async throws {
        try await KillPointDriver.run(scenario)
    }
}

@Suite("end to end: kill points (2 of 3)", .serialized)
struct KillPointTestsB {
    @Test(.timeLimit(.minutes(3)), arguments: KillScenario.all[7..<14])
    func killedHereThenRestarted(_ scenario: KillScenario) async throws {
        try await KillPointDriver.run(scenario)
    }
}

@Suite("end to end: kill points (3 of 3)", .serialized)
struct KillPointTestsC {
    @Test(.timeLimit(.minutes(3)), arguments: KillScenario.all[14...])
    func killedHereThenRestarted(_ scenario: KillScenario) async throws {
        try await KillPointDriver.run(scenario)
    }

    @Test func everyPointHasAScenario() {
        #expect(Set(KillScenario.all.map(\.point)) == Set(KillPoint.allCases))
    }
}

enum KillPointDriver {
    static func run(_ scenario: KillScenario) async throws {
        let servers = try Servers.require()
        var world = try TestWorld("kill-\(scenario.point.rawValue)-\(scenario.hit)", servers: servers)
        defer { world.remove() }
        world.extraStorage = "archive_original = true"
        world.extraAgent = "\n[api]\nlisten = \"127.0.0.1:0\"\n"
        try world.writeConfig()
        let line = try world.watch("line", extra: "on_success = \"\(scenario.onSuccess)\"")
        // Above the 5 MiB multipart threshold (two parts), long enough for a dozen output files.
        let clip = try await Clips.long(world.dir.path + "/take.mp4", seconds: 8, bitrate: "7M")
        let armed = servers.awsEnvironment.merging([KillPoint.environmentKey: scenario.armed]) { $1 }

        switch scenario.trigger {
        case .drop:
            let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", world.config], environment: armed)
            defer { agent.signal(SIGKILL) }
            _ = try await agent.waitForLine(containing: "watching folder")
            try world.drop(clip, into: line)
            try await expectKilled(agent, scenario)
        case .reload:
            let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", world.config], environment: armed)
            defer { agent.signal(SIGKILL) }
            _ = try await agent.waitForLine(containing: "watching folder")
            try world.drop(clip, into: line)
            _ = try await agent.waitForLine(containing: "[IngestAgent] source handled", timeout: .seconds(90))
            agent.signal(SIGHUP)
            try await expectKilled(agent, scenario)
        case .tus, .chunked:
            let agent = try LineProcess(TestBinaries.reelIngest, ["run", "--config", world.config], environment: armed)
            defer { agent.signal(SIGKILL) }
            let client = try await HTTPUploadClient(agent: agent, world: world)
            let upload = try await client.start(clip, chunked: scenario.trigger == .chunked)
            try await expectKilled(agent, scenario)
            let restarted = try world.startAgent()
            defer { restarted.signal(SIGTERM) }
            try await HTTPUploadClient(agent: restarted, world: world).finish(upload, clip)
            try await checkAfterRestart(world, agent: restarted, scenario: scenario, line: line)
            return
        case .sweep:
            let agent = try world.startAgent()
            _ = try await agent.waitForLine(containing: "watching folder")
            try world.drop(clip, into: line)
            _ = try await agent.waitForLine(containing: "[IngestAgent] source handled", timeout: .seconds(90))
            #expect(await agent.exit(after: SIGTERM, timeout: .seconds(30)) == 0)
            // Scratch folders of jobs the database does not keep: the sweep removes them, and dies after the first.
            for leftover in ["job-901", "job-902"] { _ = try world.dir.write("scratch/\(leftover)/out/x", "x") }
            let sweep = try await runProcessAsync(
                TestBinaries.reelIngest,
                ["retry-sweep", "--config", world.config],
                environment: armed
            )
            #expect(sweep.status == SIGKILL, "the sweep was killed: \(sweep.stderr)")
            #expect(sweep.stderr.contains("kill point \(scenario.point.rawValue) reached"))
        }
        let restarted = try world.startAgent()
        defer { restarted.signal(SIGTERM) }
        try await checkAfterRestart(world, agent: restarted, scenario: scenario, line: line)
    }

    /// The agent said which point it reached and died of SIGKILL there.
    static func expectKilled(_ agent: LineProcess, _ scenario: KillScenario) async throws {
        _ = try await agent.waitForLine(
            containing: "kill point \(scenario.point.rawValue) reached (hit \(scenario.hit))",
            timeout: .seconds(90)
        )
        let status = await agent.exit(after: 0, timeout: .seconds(10))
        #expect(status == SIGKILL, "died of SIGKILL, not \(String(describing: status))")
    }

    static func checkAfterRestart(
        _ world: TestWorld,
        agent: LineProcess,
        scenario: KillScenario,
        line: String
    ) async throws {
        let jobs = try await waitForJobs(world, agent: agent, "published after the restart") { jobs in
            jobs.contains { $0.state == .published } && jobs.allSatisfy { $0.state.isTerminal }
        }
        // on_success comes after the published commit; wait for it unless the kill already came after it.
        if !(try RawListing.names(line + "/done")).contains("take.mp4") && scenario.onSuccess != "delete" {
            _ = try await agent.waitForLine(containing: "[IngestAgent] source handled", timeout: .seconds(60))
        }
        let sweep = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["retry-sweep", "--config", world.config],
            environment: world.servers.awsEnvironment
        )
        #expect(sweep.status == 0, "\(sweep.stderr)")

        // Every source published exactly once, or ended with a reason.
        let published = jobs.filter { $0.state == .published }
        #expect(published.count == 1, "\(jobs.map { "\($0.id ?? 0) \($0.state.rawValue)" })")
        for job in jobs where job.state != .published && job.state != .duplicate {
            #expect(job.lastError != nil, "job \(job.id ?? 0) ended \(job.state.rawValue) without a reason")
        }
        let job = try #require(published.first)
        let events = try await stageEvents(world, job: try #require(job.id))
        #expect(events.filter { $0 == "published" }.count == 1)

        // The bucket holds exactly what video.json names, with its sizes and hashes.
        let video = try await world.publishedVideo(job.videoId)
        let folder = "\(world.prefix)/videos/\(job.videoId)"
        let expected = Set(video.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
        #expect(Set(try await world.servers.keys(under: world.prefix)) == expected)
        let bucket = try world.dir.mkdir("bucket")
        try await world.servers.download(folder, into: bucket)
        for file in video.allFiles {
            let local = bucket + "/" + folder + "/" + file.path
            let size = (try? FileManager.default.attributesOfItem(atPath: local)[.size] as? Int64) ?? -1
            #expect(size == file.bytes, "\(file.path)")
            #expect(try await sha256(local) == file.sha256, "\(file.path)")
        }

        // No multipart upload left, no job running, a sound database.
        // (Listed for the whole bucket: moto's signature check refuses a --prefix holding a slash.)
        let multipart = try await world.servers.aws([
            "s3api", "list-multipart-uploads", "--bucket", world.servers.bucket, "--output", "json",
        ])
        #expect(!multipart.stdout.contains("\"\(world.prefix)/"), "\(multipart.stdout)")
        let integrity = try await runProcessAsync("/usr/bin/sqlite3", [world.databasePath, "PRAGMA integrity_check"])
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")

        // The source left its folder only after its publication committed, and only as on_success says.
        let inFolder = try RawListing.names(line).contains("take.mp4")
        let inDone = try RawListing.names(line + "/done").contains("take.mp4")
        switch scenario.onSuccess {
        case "delete": #expect(!inFolder && !inDone)
        default: #expect(!inFolder && inDone, "moved to done/ once published")
        }
        #expect(agent.isRunning)
    }
}

/// Names in a folder (none when it does not exist).
enum RawListing {
    static func names(_ folder: String) throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return Set(try FileManager.default.contentsOfDirectory(atPath: folder))
    }
}

/// Uploads over the agent's HTTP API the way a client does, and resumes after the agent restarted.
struct HTTPUploadClient {
    let base: String
    let token: String

    init(agent: LineProcess, world: TestWorld) async throws {
        let line = try await agent.waitForLine(containing: "status API listening")
        _ = try await agent.waitForLine(containing: "watching folder")
        guard let range = line.range(of: #"http://[0-9.]+:[0-9]+"#, options: .regularExpression) else {
            throw WaitFailed(what: "the API's address", detail: line)
        }
        base = String(line[range])
        token = try String(contentsOfFile: world.dir.path + "/state/api-token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Upload: Sendable {
        var chunked: Bool
        /// The tus upload URL, or the chunked upload's id.
        var id: String
    }

    /// Creates the upload and sends the whole file in one request (tus) or in 1 MiB chunks; the agent dies on
    /// the way, so errors of the requests are expected and ignored.
    func start(_ file: String, chunked: Bool) async throws -> Upload {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        if chunked {
            let body: [String: Any] = ["filename": "take.mp4", "size": data.count, "watch": "line"]
            let (reply, status) = try await call("POST", "/api/videos/upload/initiate", json: body)
            guard status == 201,
                let id = (try? JSONSerialization.jsonObject(with: reply) as? [String: Any])?["uploadId"]
                    as? String
            else { throw WaitFailed(what: "initiate", detail: String(decoding: reply, as: UTF8.self)) }
            _ = try? await sendChunks(data, id: id, from: 0)
            return Upload(chunked: true, id: id)
        }
        let metadata =
            "filename \(Data("take.mp4".utf8).base64EncodedString()),watch \(Data("line".utf8).base64EncodedString())"
        let (_, status, headers) = try await request(
            "POST",
            "/api/videos/tus",
            headers: ["Tus-Resumable": "1.0.0", "Upload-Length": "\(data.count)", "Upload-Metadata": metadata]
        )
        guard status == 201, let location = headers["Location"] ?? headers["location"] else {
            throw WaitFailed(what: "tus create", detail: "status \(status)")
        }
        _ = try? await request(
            "PATCH",
            location,
            headers: [
                "Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
            ],
            body: data
        )
        return Upload(chunked: false, id: location)
    }

    /// Asks where the upload stands and sends the rest (a kill at the hand-off leaves nothing to send).
    func finish(_ upload: Upload, _ file: String) async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        if upload.chunked {
            let (reply, _) = try await call("GET", "/api/videos/upload/\(upload.id)")
            let offset = (try JSONSerialization.jsonObject(with: reply) as? [String: Any])?["offset"] as? Int ?? 0
            try await sendChunks(data, id: upload.id, from: offset)
            let (done, status) = try await call("POST", "/api/videos/upload/complete", json: ["uploadId": upload.id])
            #expect(status == 200, "\(String(decoding: done, as: UTF8.self))")
            return
        }
        let (_, _, head) = try await request("HEAD", upload.id, headers: ["Tus-Resumable": "1.0.0"])
        let offset = Int(head["Upload-Offset"] ?? head["upload-offset"] ?? "0") ?? 0
        guard offset < data.count else { return }
        let (_, status, _) = try await request(
            "PATCH",
            upload.id,
            headers: [
                "Tus-Resumable": "1.0.0", "Upload-Offset": "\(offset)",
                "Content-Type": "application/offset+octet-stream",
            ],
            body: data.subdata(in: offset..<data.count)
        )
        #expect(status == 204)
    }

    private func sendChunks(_ data: Data, id: String, from start: Int) async throws {
        var offset = start
        while offset < data.count {
            let end = min(offset + (1 << 20), data.count)
            let (_, status, _) = try await request(
                "POST",
                "/api/videos/upload/chunk?uploadId=\(id)&offset=\(offset)",
                headers: ["Content-Type": "application/octet-stream"],
                body: data.subdata(in: offset..<end)
            )
            guard status == 200 else { throw WaitFailed(what: "chunk at \(offset)", detail: "status \(status)") }
            offset = end
        }
    }

    private func call(_ method: String, _ path: String, json: [String: Any]? = nil) async throws -> (Data, Int) {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        let (data, status, _) = try await request(
            method,
            path,
            headers: json == nil ? [:] : ["Content-Type": "application/json"],
            body: body
        )
        return (data, status)
    }

    private func request(
        _ method: String,
        _ path: String,
        headers: [String: String],
        body: Data? = nil
    ) async throws -> (Data, Int, [String: String]) {
        let url = path.hasPrefix("http") ? path : (path.hasPrefix("/") ? base + path : base + "/" + path)
        guard let target = URL(string: url) else { throw WaitFailed(what: "a URL", detail: url) }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.timeoutInterval = 60
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return (data, http?.statusCode ?? 0, fields)
    }
}
