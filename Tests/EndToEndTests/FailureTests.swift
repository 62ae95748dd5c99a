import Foundation
import IngestCore
import IngestStore
import TestSupport
import Testing

/// What goes wrong in a factory: the transcoder crashes, the object store goes away. The attempt fails with a
/// reason, the job waits out its backoff, and it completes without the agent going down or anything stored twice.
@Suite("end to end: failures")
struct FailureTests {
    @Test(.timeLimit(.minutes(5))) func killedWorkerFailsTheAttemptAndTheRetrySucceeds() async throws {
        let servers = try Servers.require()
        let world = try TestWorld("worker-kill", servers: servers)
        defer { world.remove() }
        try world.writeConfig()
        let line = try world.watch("line")
        let clip = try await Clips.long(world.dir.path + "/long.mp4", seconds: 40)

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        let pid = agent.pid
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        let worker = try await workerPid(agent)
        #expect(children(of: pid, matching: "reel-ingest-media").contains(worker), "a child process of the agent")
        kill(worker, SIGKILL)

        let jobs = try await waitForJobs(world, agent: agent, "published after a retry") { jobs in
            jobs.first?.state == .published
        }
        let job = try #require(jobs.first)
        let events = try await stageEvents(world, job: try #require(job.id))
        #expect(events.filter { $0 == "failed" }.count == 1)
        #expect(events.filter { $0 == "published" }.count == 1)
        let stages = try await world.database().stages(ofJob: try #require(job.id))
        #expect(stages.contains { $0.toState == .failed && $0.message == "worker killed by signal 9" })
        #expect(
            stages.contains {
                $0.toState == .transcoding && $0.outcome == "failed" && $0.error == "worker killed by signal 9"
            }
        )
        #expect(agent.isRunning && agent.pid == pid, "the agent itself never went down")
        let errors = try await world.database().analytics(job: try #require(job.id)).filter { $0.metric == "error" }
        #expect(errors.map(\.detail) == ["worker-signal"])
        #expect(errors.map(\.format) == ["transcoding"])
    }

    @Test(.timeLimit(.minutes(9))) func storeOutageWaitsInBackoffAndResumesWithoutSendingAPartTwice() async throws {
        let servers = try Servers.require()
        var world = try TestWorld("s3-outage", servers: servers)
        defer { world.remove() }
        let log = world.dir.path + "/proxy.log"
        let port = try await freePort()
        // Every request held 400 ms, so the outage lands in the middle of the original's multipart upload.
        var proxy = try await StoreProxy.start(upstream: servers.endpoint, port: port, log: log, delayMs: 400)
        defer { proxy.stop() }
        world.endpoint = "http://127.0.0.1:\(port)"
        world.maxAttempts = 20
        world.extraStorage = "archive_original = true\nconcurrency = 2"
        try world.writeConfig()
        let line = try world.watch("line")
        let clip = try await Clips.long(world.dir.path + "/big.mp4", seconds: 40, bitrate: "6M")

        let agent = try world.startAgent()
        defer { agent.signal(SIGTERM) }
        _ = try await agent.waitForLine(containing: "watching folder")
        try world.drop(clip, into: line)
        // Down after two parts of the original are stored.
        // The 40 s clip is transcoded first: beside the other end-to-end suites on two cores that can take minutes.
        try await proxy.waitForRequests(timeout: .seconds(300)) { requests in
            requests.filter { $0.isPartUpload && $0.status == 200 }.count >= 2
        }
        proxy.stop()
        _ = try await waitForJobs(world, agent: agent, "the attempt failing while S3 is down") { jobs in
            jobs.first?.state == .failed
        }
        let failed = try #require(try await world.database().jobs(limit: 1).first)
        #expect(failed.lastError?.contains("failed") == true)
        #expect(failed.nextAttemptAt != nil, "waiting in backoff, attempts left")

        proxy = try await StoreProxy.start(upstream: servers.endpoint, port: port, log: log, delayMs: 0)
        let jobs = try await waitForJobs(world, agent: agent, "published once S3 is back") { jobs in
            jobs.first?.state == .published
        }
        let video = try await world.publishedVideo(try #require(jobs.first).videoId)
        #expect(video.original != nil)

        let stored = proxy.requests().filter { $0.method == "PUT" && $0.status == 200 }
        let parts = stored.filter(\.isPartUpload)
        #expect(Set(parts.map(\.path)).count == parts.count, "no part stored twice")
        #expect(parts.count >= 2)
        let objects = stored.filter { !$0.isPartUpload }.map(\.path)
        #expect(Set(objects).count == objects.count, "no object stored twice: \(objects)")
        #expect(agent.isRunning)
    }
}

/// scripts/fault-proxy.py in front of moto on a fixed port: stopped and started again, it is an S3 server going
/// down and coming back. It logs every forwarded request with the upstream's status (to its log file, and to
/// stderr, where the test awaits the lines).
struct StoreProxy {
    struct Request {
        let method: String
        let path: String
        let status: Int
        var isPartUpload: Bool { path.contains("partNumber=") }
    }

    let process: LineProcess
    let log: String

    /// Starts the proxy and returns once it listens.
    static func start(upstream: String, port: Int, log: String, delayMs: Int) async throws -> StoreProxy {
        let proxy = try StoreProxy(upstream: upstream, port: port, log: log, delayMs: delayMs)
        _ = try await proxy.process.waitForLine(containing: "fault-proxy: listening", timeout: .seconds(30))
        return proxy
    }

    private init(upstream: String, port: Int, log: String, delayMs: Int) throws {
        self.log = log
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/fault-proxy.py").path
        process = try LineProcess(
            "/usr/bin/env",
            ["python3", script, upstream, "0", log],
            environment: ["FAULT_PROXY_PORT": String(port), "FAULT_PROXY_DELAY_MS": String(delayMs)]
        )
    }

    func requests() -> [Request] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Self.parse(text.split(separator: "\n").map(String.init))
    }

    static func parse(_ lines: [String]) -> [Request] {
        lines.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let method = object["method"] as? String, let path = object["path"] as? String
            else { return nil }
            return Request(method: method, path: path, status: object["status"] as? Int ?? 0)
        }
    }

    /// Waits until the requests forwarded so far satisfy `condition`, checked at each one.
    func waitForRequests(timeout: Duration, _ condition: @escaping @Sendable ([Request]) -> Bool) async throws {
        try await process.waitUntil(timeout: timeout) { lines in condition(Self.parse(lines)) }
    }

    func stop() {
        guard process.isRunning else { return }
        process.signal(SIGKILL)
        process.process.waitUntilExit()
    }
}

func freePort() async throws -> Int {
    let result = try await runProcessAsync(
        "/usr/bin/python3",
        ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"]
    )
    guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw CommandFailed(command: "python3 free port", result: result)
    }
    return port
}
