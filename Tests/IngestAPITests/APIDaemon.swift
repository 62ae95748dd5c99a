import Foundation
import Synchronization
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `reel-ingest run` on a free port in a temp directory, with one watched folder (`inbox`) and a file store, and the
/// HTTP calls tests make to it.
final class APIDaemon: Sendable {
    let dir: TempDirectory
    let config: String
    let inbox: String
    private let state: Mutex<(agent: LineProcess, base: String)?> = Mutex(nil)
    /// The agent's environment on top of the test's (a database password).
    let environment: [String: String]

    /// `extra` is appended to agent.toml (e.g. an `[api]` table). `name`, `store` and `inbox`: the agent's name,
    /// its storage URL and its watched folder, when not its own.
    init(
        extraConfig extra: String = "",
        listen: String = "127.0.0.1:0",
        name: String? = nil,
        store: String? = nil,
        inbox watched: String? = nil,
        environment: [String: String] = [:]
    ) throws {
        dir = try TempDirectory()
        inbox = try watched ?? dir.mkdir("inbox")
        self.environment = environment
        config = try dir.write(
            "agent.toml",
            """
            [agent]
            \(name.map { "name = \"\($0)\"" } ?? "")
            state_dir = "state"
            scratch_dir = "scratch"
            [limits]
            settle_time = "200ms"
            poll_interval = "100ms"
            max_file_size = "64MiB"
            [storage]
            url = "\(store ?? "file://\(dir.path)/published")"
            [api]
            listen = "\(listen)"
            \(extra)
            """
        )
        try dir.write("watches.d/inbox.toml", "path = \"\(inbox)\"\n")
    }

    static var binary: String { TestBinaries.reelIngest }

    /// Starts the agent and waits until the API listens and the folder is watched.
    func start() async throws {
        let agent = try LineProcess(Self.binary, ["run", "--config", config], environment: environment)
        let line = try await agent.waitForLine(containing: "status API listening")
        _ = try await agent.waitForLine(containing: "watching folder")
        guard let range = line.range(of: #"http://[0-9.]+:[0-9]+"#, options: .regularExpression) else {
            throw Failure("no URL in: \(line)")
        }
        let base = String(line[range]).replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
        state.withLock { $0 = (agent, base) }
    }

    /// SIGTERM, wait for the exit status.
    @discardableResult
    func stop() async -> Int32 {
        guard let agent = state.withLock({ $0?.agent }) else { return -1 }
        agent.signal(SIGTERM)
        let status = await agent.waitForExit()
        return status
    }

    func remove() {
        if let agent = state.withLock({ $0?.agent }), agent.process.isRunning {
            // SIGKILL cannot be blocked or ignored: the process is gone before its files are removed.
            agent.signal(SIGKILL)
        }
        dir.remove()
    }

    var agent: LineProcess { state.withLock { $0!.agent } }
    var base: String { state.withLock { $0!.base } }
    var ws: String { base.replacingOccurrences(of: "http://", with: "ws://") }
    var token: String {
        (try? String(contentsOfFile: dir.path + "/state/api-token", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
    var databasePath: String { dir.path + "/state/reel-ingest.sqlite" }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw Failure("not a JSON object: \(String(decoding: body, as: UTF8.self))")
            }
            return object
        }

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }

        var text: String { String(decoding: body, as: UTF8.self) }
        var errorMessage: String { ((try? json())?["error"] as? [String: Any])?["message"] as? String ?? text }
    }

    /// One HTTP request; `auth` adds the bearer token.
    func call(
        _ method: String,
        _ path: String,
        auth: Bool = false,
        headers: [String: String] = [:],
        body: Data? = nil,
        json: [String: Any]? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 60
        if auth { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw Failure("not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    /// Waits (on the job's own transitions, through the live API) until job `id` is in `state`.
    func waitForState(_ id: Int, _ wanted: Set<String>, timeout: Duration = .seconds(120)) async throws -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try await call("GET", "/api/videos/\(id)/processing-status").json()
            if let current = status["state"] as? String, wanted.contains(current) { return status }
            guard ContinuousClock.now < deadline else {
                throw Failure("job \(id) is \(status["state"] ?? "?"), not \(wanted); log:\n\(agent.log.suffix(4000))")
            }
            // The state lives in another process; poll it at a short interval (each read is cheap).
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
