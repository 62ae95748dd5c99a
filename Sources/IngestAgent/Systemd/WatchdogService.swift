import IngestCore
import IngestStore
import Logging
import ServiceLifecycle

/// Keeps systemd informed while the agent runs: `WATCHDOG=1` at half of `WatchdogSec=`, `STATUS=` with the
/// queue, and `STOPPING=1` as soon as shutdown begins. Each ping follows a database read that came back, so a
/// wedged database or a starved cooperative thread pool stops the pings and systemd restarts the agent.
/// Put it last in the ServiceGroup: services stop in reverse order, so it hears of the shutdown first.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier?
    let database: any JobStore
    let box: ConfigBox
    let logger: Logger

    /// Without a watchdog the status is still refreshed this often.
    static let statusInterval = Duration.seconds(10)

    public init(notifier: SystemdNotifier?, database: any JobStore, box: ConfigBox, logger: Logger) {
        self.notifier = notifier
        self.database = database
        self.box = box
        self.logger = logger
    }

    public func run() async throws {
        guard let notifier else {
            try? await gracefulShutdown()
            return
        }
        let interval = notifier.watchdogTimeout.map { min($0 / 2, Self.statusInterval) } ?? Self.statusInterval
        let (database, box, logger) = (database, box, logger)
        try? await cancelWhenGracefulShutdown {
            var lastStatus = ""
            while !Task.isCancelled {
                let status = await Self.statusLine(database: database, box: box)
                var states: [SystemdState] = []
                if notifier.watchdogTimeout != nil { states.append(.watchdog) }
                if status != lastStatus { states.append(.status(status)) }
                lastStatus = status
                if !states.isEmpty { notifier.notify(states, logger: logger) }
                try await Task.sleep(for: interval)
            }
        }
        notifier.notify(.stopping, .status("stopping"), logger: logger)
    }

    /// For example `watching 2 folders; queue: 3 waiting, 1 active, 0 failed`.
    static func statusLine(database: any JobStore, box: ConfigBox) async -> String {
        let folders = box.config.watches.filter(\.enabled).count
        let watching = "watching \(folders) folder\(folders == 1 ? "" : "s")"
        do {
            let queue = try await database.queueStatus()
            let waiting = JobState.queued.reduce(0) { $0 + (queue.counts[$1] ?? 0) }
            let active = JobState.allCases.filter(\.isActive).reduce(0) { $0 + (queue.counts[$1] ?? 0) }
            let failed = queue.counts[.failed] ?? 0
            return "\(watching); queue: \(waiting) waiting, \(active) active, \(failed) failed"
        } catch {
            return "\(watching); cannot read the job database: \(error)"
        }
    }
}
