import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging
import ServiceLifecycle

/// Follows every enabled watch folder (inotify locally, polling on network mounts or when asked), holds
/// each new file in the stability gate until it stops changing, and hands it to `Intake`. One loop owns
/// all state; inotify, the timer, polling and intake talk to it through one stream of inputs.
struct WatchService: Service {
    let box: ConfigBox
    let database: any JobStore
    let logger: Logger
    let environment: WatchEnvironment

    enum Input: Sendable {
        case change(watch: String, generation: Int, FolderChange)
        case due
        case configReplaced
        case dropInsChanged
        case taken(FileObservation, watch: String, outcome: Intake.Outcome)
    }

    /// Files checked at once: enough to overlap probe children and hashing on two cores.
    static let concurrentChecks = 4

    func run() async throws {
        let (inputs, continuation) = AsyncStream<Input>.makeStream()
        let (queue, queueContinuation) = AsyncStream<WatchLoop.IntakeItem>.makeStream()
        let timer = DeadlineTimer(label: "reel-ingest.watch-timer") { continuation.yield(.due) }
        box.onReplace { _ in continuation.yield(.configReplaced) }
        let intake = Intake(
            database: database,
            prober: environment.prober,
            probeAnswers: environment.probeAnswers,
            logger: logger
        )
        var loop = WatchLoop(
            database: database,
            logger: logger,
            environment: environment,
            inputs: continuation,
            intake: queueContinuation
        )
        let dropIns = loop.followDropIns(box.config.agent.watchesDir)
        await withTaskGroup(of: Void.self) { group in
            // Intake runs beside the loop so that reading files never holds up events. Job rows are written
            // in arrival order; the checks (hash, probe child) run a few at a time behind them, so a slow
            // probe delays no job row.
            let (recorded, recordedContinuation) = AsyncStream<Intake.Recorded>.makeStream()
            group.addTask {
                for await item in queue {
                    switch item {
                    case .files(let files, let watch, let config):
                        guard let recorded = await intake.record(files, watch: watch, config: config) else {
                            for file in files {
                                continuation.yield(.taken(file, watch: watch.name, outcome: .notRecorded))
                            }
                            continue
                        }
                        for file in files where recorded[file] == nil {
                            continuation.yield(.taken(file, watch: watch.name, outcome: .done))
                        }
                        for file in files { if let item = recorded[file] { recordedContinuation.yield(item) } }
                    case .symlink(let path, let watch, let config):
                        await intake.takeSymlink(path, watch: watch, config: config)
                    }
                }
                recordedContinuation.finish()
            }
            group.addTask {
                await withTaskGroup(of: Void.self) { checks in
                    var running = 0
                    for await item in recorded {
                        if running >= Self.concurrentChecks {
                            await checks.next()
                            running -= 1
                        }
                        running += 1
                        checks.addTask {
                            let outcome = await intake.check(item)
                            continuation.yield(.taken(item.file, watch: item.watch.name, outcome: outcome))
                        }
                    }
                }
            }
            await loop.apply(box.config)
            environment.ready?()
            timer.schedule(at: loop.nextDeadline())
            for await input in inputs.cancelOnGracefulShutdown() {
                await loop.handle(input, box: box)
                timer.schedule(at: loop.nextDeadline())
            }
            timer.cancel()
            queueContinuation.finish()
            await loop.stopAll()
            if let dropIns { environment.hub.unsubscribe(dropIns) }
        }
        logger.info("watcher stopped")
    }
}

/// What the watcher needs from outside: replaceable in tests (a fake network filesystem, a fixed prober).
public struct WatchEnvironment: Sendable {
    public var hub: InotifyHub
    public var prober: (any MediaProber)?
    /// Where intake keeps each probe's answer for the pipeline's probe stage.
    var probeAnswers: ProbeAnswers?
    /// The statfs magic of a watch root.
    public var filesystemMagic: @Sendable (String) -> UInt
    /// Reloads the configuration when a drop-in in `watches.d/` changes (the same as SIGHUP).
    public var reload: (@Sendable () -> Void)?
    /// Where the live mode of each watch is published for `watch list`.
    public var statusFile: String?
    /// Called once every folder of the starting configuration is followed (or known missing): systemd's READY=1.
    public var ready: (@Sendable () -> Void)?

    public init(
        hub: InotifyHub = .shared,
        prober: (any MediaProber)?,
        filesystemMagic: @escaping @Sendable (String) -> UInt = { (try? FilesystemKind.magic(of: $0)) ?? 0 },
        reload: (@Sendable () -> Void)? = nil,
        statusFile: String? = nil,
        ready: (@Sendable () -> Void)? = nil
    ) {
        self.hub = hub
        self.prober = prober
        self.filesystemMagic = filesystemMagic
        self.reload = reload
        self.statusFile = statusFile
        self.ready = ready
    }
}
