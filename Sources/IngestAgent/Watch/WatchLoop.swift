import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The watcher's state, owned by the one loop in `WatchService.run`: the folders followed and how,
/// the stability gate, and which file versions are already known so nothing is queued twice.
struct WatchLoop {
    /// Work for the intake: files that settled together (one transaction for their job rows), or a link.
    enum IntakeItem: Sendable {
        case files([FileObservation], WatchConfig, AgentConfig)
        case symlink(String, WatchConfig, AgentConfig)
    }

    struct Followed {
        var watch: WatchConfig
        var plan: WatchPlan
        var generation: Int
        var tree: InotifyTree?
        var nextPoll: Date?
        /// The folder is missing (share not mounted, deleted): retried every poll interval.
        var missing = false
    }

    let database: any JobStore
    let logger: Logger
    let environment: WatchEnvironment
    let inputs: AsyncStream<WatchService.Input>.Continuation
    let intake: AsyncStream<IntakeItem>.Continuation

    var config = AgentConfig()
    var followed: [String: Followed] = [:]
    var gate = StabilityGate()
    /// Which watch a pending path belongs to.
    var owner: [String: String] = [:]
    var known: [String: KnownFiles] = [:]
    var inFlight: Set<FileObservation> = []
    /// Symbolic links already judged, by their own lstat.
    var links: Set<FileObservation> = []
    /// Files some local process has modified and not yet closed (IN_MODIFY without IN_CLOSE_WRITE), with
    /// the time of the last modification.
    var writing: [String: Date] = [:]
    /// Files that held still without being whole containers, each with the version first found so and when.
    var incomplete: [String: (file: FileObservation, since: Date)] = [:]
    var generation = 0
    var reloadDue: Date?
    var statusPublishedAt = Date.distantPast

    init(
        database: any JobStore,
        logger: Logger,
        environment: WatchEnvironment,
        inputs: AsyncStream<WatchService.Input>.Continuation,
        intake: AsyncStream<IntakeItem>.Continuation
    ) {
        self.database = database
        self.logger = logger
        self.environment = environment
        self.inputs = inputs
        self.intake = intake
    }

    mutating func handle(_ input: WatchService.Input, box: ConfigBox) async {
        switch input {
        case .change(let name, let generation, let change):
            guard let entry = followed[name], entry.generation == generation else { return }
            await handle(change, in: entry)
        case .due:
            await runDue(box: box)
        case .configReplaced:
            await apply(box.config)
        case .dropInsChanged:
            // Editors write in several steps: reload once things are quiet.
            reloadDue = Date().addingTimeInterval(0.2)
        case .taken(let file, let name, let outcome):
            inFlight.remove(file)
            if case .notRecorded = outcome {
                // Not known yet: back in the gate, ready once the pause and its settle time have passed.
                gate.observe(file, at: Date().addingTimeInterval(Intake.retryDelay))
                owner[file.path] = name
                return
            }
            known[name, default: KnownFiles()].insert(file)
            if case .changed(let newer) = outcome { observe(newer, watch: name) }
        }
    }
}
