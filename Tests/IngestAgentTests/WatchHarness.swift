import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging
import Synchronization
import TestSupport
import Testing

@testable import IngestAgent

/// One watch folder followed by a real `WatchService` in this process, with its own database and a
/// captured log. Every wait has a deadline; none of the assertions depends on a fixed sleep.
final class WatchHarness: Sendable {
    let dir: TempDirectory
    let inbox: String
    let database: SQLiteStore
    let box: ConfigBox
    let log = LogCapture()

    init(
        settle: Duration = .milliseconds(300),
        configure: (inout AgentConfig, inout WatchConfig) -> Void = { _, _ in }
    ) throws {
        dir = try TempDirectory()
        inbox = try dir.mkdir("inbox")
        var config = AgentConfig()
        config.agent.stateDir = dir.path + "/state"
        config.agent.watchesDir = dir.path + "/watches.d"
        config.limits.settleTime = settle
        config.limits.pollInterval = .milliseconds(100)
        var watch = WatchConfig(name: "inbox", file: dir.path + "/watches.d/inbox.toml", path: inbox)
        configure(&config, &watch)
        config.watches = [watch]
        database = try SQLiteStore(path: config.databasePath)
        box = ConfigBox(config)
    }

    /// A job's source on this machine (the store keeps it relative to the watch's folder).
    func local(_ job: JobRecord) -> String {
        box.config.localSourcePath(job.sourcePath, watch: job.watchName) ?? job.sourcePath
    }

    /// Runs the watcher while `body` runs, then stops it as a graceful shutdown would.
    func run(
        prober: (any MediaProber)? = nil,
        probeAnswers: ProbeAnswers? = nil,
        filesystemMagic: @escaping @Sendable (String) -> UInt = { _ in 0xEF53 },
        ready: String = "watching folder",
        _ body: @Sendable (WatchHarness) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test") { _ in self.log.handler }
        logger.logLevel = .debug
        var environment = WatchEnvironment(prober: prober, filesystemMagic: filesystemMagic)
        environment.probeAnswers = probeAnswers
        let service = WatchService(box: box, database: database, logger: logger, environment: environment)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            defer { group.cancelAll() }
            try await log.waitFor(ready)
            try await body(self)
        }
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try dir.write("inbox/" + name, text)
    }

    /// Polls the database until `count` jobs exist and stay that many for a moment (so a late duplicate
    /// would still be caught), or fails at the deadline.
    func jobs(count: Int, timeout: Duration = .seconds(20)) async throws -> [JobRecord] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let jobs = try await database.jobs(limit: count + 100)
            if jobs.count == count {
                try await Task.sleep(for: .milliseconds(400))
                let again = try await database.jobs(limit: count + 100)
                if again.count == count { return again }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let jobs = try await database.jobs(limit: count + 100)
        Issue.record("expected \(count) jobs, found \(jobs.count); log:\n\(log.text)")
        return jobs
    }

    /// Waits until the job for `name` reaches `state`.
    func job(_ name: String, in state: JobState, timeout: Duration = .seconds(20)) async throws -> JobRecord? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let jobs = try await database.jobs(limit: 10_000)
            if let job = jobs.first(where: { local($0).hasSuffix("/" + name) && $0.state == state }) {
                return job
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no job for \(name) in state \(state); log:\n\(log.text)")
        return nil
    }

    /// Waits until the job for `name` is in `state` and its content hash is stored (the intake's checks ran).
    func hashedJob(_ name: String, in state: JobState, timeout: Duration = .seconds(20)) async throws -> JobRecord? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let jobs = try await database.jobs(limit: 10_000)
            if let job = jobs.first(where: {
                local($0).hasSuffix("/" + name) && $0.state == state && $0.contentSha256 != nil
            }) {
                return job
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no hashed job for \(name) in state \(state); log:\n\(log.text)")
        return nil
    }

    func remove() {
        dir.remove()
    }
}

/// Keeps every log line so tests can wait for one.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var handler: LogHandler { CapturingHandler(capture: self) }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func contains(_ text: String) -> Bool {
        lines.withLock { $0.contains { $0.contains(text) } }
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.withLock({ $0.first { $0.contains(text) } }) { return line }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no log line containing \"\(text)\"; log:\n\(self.text)")
        return ""
    }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            capture.append("\(event.level) \(event.message) \(fields.joined(separator: " "))")
        }
    }
}

/// A prober answering from the file's first bytes, standing in for `reel-ingest-media` where a test is
/// about the watcher rather than about libav.
struct FakeProber: MediaProber {
    func probe(_ path: String) async -> ProbeOutcome {
        let head = FileManager.default.contents(atPath: path).map { String(decoding: $0.prefix(5), as: UTF8.self) }
        return head == "VIDEO" ? .media(container: "mp4", summary: "{}") : .rejected(reason: "not a video file")
    }
}
