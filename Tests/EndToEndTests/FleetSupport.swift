import Foundation
import IngestCore
import IngestStore
import Synchronization
import TestSupport
import Testing

// What the fleet suites share: an agent's configuration as a member of a fleet, the agents a test started, waiting
// on the shared store, the bucket check and the TCP proxy that cuts an agent off from PostgreSQL.

extension TestWorld {
    /// Configures this world's agent as fleet member `name`: PostgreSQL at `database` (through a local port of its
    /// own when `proxyPort` is given), an 8 s lease, the status API on a free port when `api`, and one watch of
    /// `sharedFolder` (this agent's own path to the share).
    mutating func joinFleet(
        as name: String,
        database: PostgresLocation,
        through proxyPort: Int? = nil,
        sharedFolder: String,
        api: Bool = false
    ) throws {
        var url = database
        url.password = nil
        if let proxyPort { url.port = proxyPort }
        let apiTable = api ? "\n[api]\nlisten = \"127.0.0.1:0\"\n" : ""
        extraAgent = """
            name = "\(name)"
            \(apiTable)
            [database]
            url = "\(url)"
            lease = "8s"
            """
        environment = ["PGPASSWORD": database.password ?? ""]
        try writeConfig()
        try dir.write("watches.d/shared.toml", "path = \"\(sharedFolder)\"\n")
    }
}

/// Every object under the fleet's prefix is named by one of the videos' `video.json`, and every file they name is
/// there. Agents whose clean-up may still be under way get up to `within` for the listing to match; `log` (a paused
/// agent's) is shown when it does not.
func expectBucketHoldsExactly(
    _ world: TestWorld,
    videos: [String],
    within settle: Duration = .zero,
    log: String? = nil
) async throws {
    var expected: Set<String> = []
    for id in videos {
        let video = try await world.publishedVideo(id)
        let folder = "\(world.prefix)/videos/\(id)"
        expected.formUnion(video.allFiles.map { "\(folder)/\($0.path)" } + ["\(folder)/video.json"])
    }
    let deadline = ContinuousClock.now + settle
    var stored = Set(try await world.servers.keys(under: world.prefix))
    while stored != expected && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(500))
        stored = Set(try await world.servers.keys(under: world.prefix))
    }
    #expect(
        stored == expected,
        """
        extra: \(stored.subtracting(expected).sorted()) missing: \(expected.subtracting(stored).sorted())
        \(log.map { "paused agent's log:\n\($0.suffix(20000))" } ?? "")
        """
    )
}

/// The agents a test started, stopped at its end whatever happened: continued first (a stopped process never acts on
/// SIGTERM), killed when they do not exit within 20 s, so a failing test never hangs on them.
final class Agents: Sendable {
    private let list: Mutex<[LineProcess]>

    init(_ agents: [LineProcess]) { list = Mutex(agents) }

    func add(_ agent: LineProcess) { list.withLock { $0.append(agent) } }

    var all: [LineProcess] { list.withLock { $0 } }

    func shutDown() async {
        for agent in list.withLock({ $0 }) {
            agent.signal(SIGCONT)
            if await agent.exit(after: SIGTERM, timeout: .seconds(20)) == nil {
                agent.signal(SIGKILL)
                _ = await agent.waitForExit()
            }
        }
    }
}

/// Waits for `condition` on the shared store, looking again whenever a running agent logs a line (each state change
/// logs one), at least every second.
func waitForFleet(
    _ store: any JobStore,
    _ agents: [LineProcess],
    timeout: Duration = .seconds(240),
    _ what: String,
    until condition: @escaping @Sendable ([JobRecord]) -> Bool
) async throws -> [JobRecord] {
    let deadline = ContinuousClock.now + timeout
    while true {
        let jobs = try await store.jobs(limit: 1000)
        if condition(jobs) { return jobs }
        guard ContinuousClock.now < deadline else {
            let states = jobs.map { "job \($0.id ?? 0) \($0.sourcePath) \($0.state.rawValue) \($0.lastError ?? "")" }
            let logs = agents.enumerated().map { "agent \($0.offset):\n\($0.element.log.suffix(20000))" }
            throw WaitFailed(what: what, detail: states.joined(separator: "\n") + "\n" + logs.joined(separator: "\n"))
        }
        if let running = agents.first(where: \.isRunning) {
            let seen = running.log.split(separator: "\n").count
            _ = try? await running.waitForLine(afterLine: seen, timeout: .seconds(1))
        } else {
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// scripts/tcp-proxy.py between one agent and PostgreSQL: stopping it is a network cut, restarting it on the same
/// port ends the cut. Freezing it (SIGSTOP) is a black hole: connections stay open and new ones are accepted by the
/// kernel, but nothing is forwarded, answered or refused until it is thawed, when what was held goes through.
final class TCPProxy: Sendable {
    let port: Int
    let upstream: PostgresLocation
    private let process: Mutex<LineProcess?>

    private init(port: Int, upstream: PostgresLocation) {
        self.port = port
        self.upstream = upstream
        process = Mutex(nil)
    }

    static func start(port: Int, upstream: PostgresLocation) async throws -> TCPProxy {
        let proxy = TCPProxy(port: port, upstream: upstream)
        try await proxy.restart()
        return proxy
    }

    func restart() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/tcp-proxy.py").path
        let started = try LineProcess("/usr/bin/python3", [script, "\(port)", upstream.host, "\(upstream.port)"])
        _ = try await started.waitForLine(containing: "tcp-proxy: listening", timeout: .seconds(30))
        process.withLock { $0 = started }
    }

    func freeze() { process.withLock { $0 }?.signal(SIGSTOP) }
    func thaw() { process.withLock { $0 }?.signal(SIGCONT) }

    func stop() {
        guard let running = process.withLock({ $0 }), running.isRunning else { return }
        running.signal(SIGCONT)
        running.signal(SIGKILL)
        running.process.waitUntilExit()
    }
}
