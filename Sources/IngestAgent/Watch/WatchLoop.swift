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

    let database: IngestDatabase
    let logger: Logger
    let environment: WatchEnvironment
    let inputs: AsyncStream<WatchService.Input>.Continuation
    let intake: AsyncStream<IntakeItem>.Continuation

    var config = AgentConfig()
    var followed: [String: Followed] = [:]
    var gate = StabilityGate()
    /// Which watch a pending path belongs to.
    var owner: [String: String] = [:]
    var known: [String: Set<FileObservation>] = [:]
    var inFlight: Set<FileObservation> = []
    /// Files some local process has modified and not yet closed (IN_MODIFY without IN_CLOSE_WRITE), with
    /// the time of the last modification.
    var writing: [String: Date] = [:]
    var generation = 0
    var reloadDue: Date?
    var statusPublishedAt = Date.distantPast

    init(
        database: IngestDatabase,
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
            known[name, default: []].insert(file)
            if case .changed(let newer) = outcome { observe(newer, watch: name) }
        }
    }

    // MARK: - Watches

    /// Puts a configuration in force: starts new watches, restarts changed ones, stops removed ones.
    /// Jobs already recorded are untouched; files pending in the gate stay pending.
    mutating func apply(_ new: AgentConfig) async {
        config = new
        let wanted = Dictionary(new.watches.filter(\.enabled).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, entry) in followed where wanted[name] != entry.watch {
            await stop(name)
        }
        for (name, watch) in wanted.sorted(by: { $0.key < $1.key }) where followed[name] == nil {
            await start(watch)
        }
        publishStatus()
    }

    mutating func start(_ watch: WatchConfig) async {
        generation += 1
        let filesystem = FilesystemKind(magic: environment.filesystemMagic(watch.path))
        var entry = Followed(
            watch: watch,
            plan: WatchPlan.make(watch: watch, limits: config.limits, filesystem: filesystem),
            generation: generation
        )
        do {
            known[watch.name] = try await database.knownSourceVersions(watch: watch.name)
        } catch {
            logger.error("cannot read known files", metadata: ["watch": "\(watch.name)", "error": "\(error)"])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: watch.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            logger.error("watched folder is missing; retrying every poll interval", metadata: ["path": "\(watch.path)"])
            entry.missing = true
            entry.nextPoll = Date().addingTimeInterval(config.limits.pollInterval.timeInterval)
            followed[watch.name] = entry
            return
        }
        if entry.plan.mode == .inotify {
            let tree = InotifyTree(
                root: watch.path,
                recursive: watch.recursive,
                scanner: scanner(for: watch),
                hub: environment.hub,
                emit: { [inputs, generation] change in
                    inputs.yield(.change(watch: watch.name, generation: generation, change))
                }
            )
            do {
                // Adding watches and the first scan walk the whole tree: not on the cooperative pool.
                try await runBlocking { () throws(Errno) in try tree.start() }
                entry.tree = tree
            } catch {
                if error.code == ENOSPC {
                    logWatchLimit(watch, error)
                } else {
                    logger.error(
                        "cannot watch folder with inotify; polling it",
                        metadata: ["path": "\(watch.path)", "error": "\(error)"]
                    )
                }
                entry.plan = entry.plan.fallingBackToPolling()
            }
        }
        if entry.plan.mode == .poll {
            // The first scan happens at once; the following ones every poll interval.
            entry.nextPoll = Date()
        }
        followed[watch.name] = entry
        logger.notice(
            "watching folder",
            metadata: [
                "watch": "\(watch.name)", "path": "\(watch.path)", "mode": "\(entry.plan)",
                "filesystem": "\(entry.plan.filesystem)", "settle": "\(entry.plan.settle)",
                "inotify_watches": "\(InotifyTools.kernelWatchCount)/\(InotifyTools.maxUserWatches)",
            ]
        )
    }

    mutating func stop(_ name: String) async {
        guard let entry = followed.removeValue(forKey: name) else { return }
        if let tree = entry.tree { await runBlocking { tree.stop() } }
        for path in gate.pendingPaths where owner[path] == name {
            gate.forget(path)
            owner[path] = nil
        }
        logger.notice("stopped watching folder", metadata: ["watch": "\(name)", "path": "\(entry.watch.path)"])
    }

    func stopAll() async {
        for tree in followed.values.compactMap(\.tree) { await runBlocking { tree.stop() } }
    }

    func scanner(for watch: WatchConfig) -> TreeScanner {
        let executor = SourceActionExecutor(root: watch.path)
        var excluded: Set<String> = []
        for action in [watch.onSuccess, watch.onFailure] {
            if case .move(let dir) = action { excluded.insert(executor.directory(dir)) }
        }
        return TreeScanner(
            rules: IgnoreRules(extensions: config.limits.extensions, globs: watch.ignore),
            recursive: watch.recursive,
            excludedDirectories: excluded
        )
    }

    /// Watches the drop-in folder so that adding, editing or removing a watch needs no SIGHUP.
    func followDropIns(_ dir: String) -> Int? {
        guard environment.reload != nil, FileManager.default.fileExists(atPath: dir) else { return nil }
        do {
            let id = try environment.hub.subscribe(root: dir) { [inputs] event in
                if event.name.hasSuffix(".toml") { inputs.yield(.dropInsChanged) }
            }
            try environment.hub.tools.watch(dir, recursive: false)
            return id
        } catch {
            logger.warning("drop-in changes need SIGHUP", metadata: ["path": "\(dir)", "error": "\(error)"])
            return nil
        }
    }

    private func logWatchLimit(_ watch: WatchConfig, _ error: Errno) {
        logger.error(
            "inotify watch limit reached: raise fs.inotify.max_user_watches (sysctl -w fs.inotify.max_user_watches=N); polling this folder meanwhile",
            metadata: [
                "watch": "\(watch.name)", "path": "\(watch.path)",
                "max_user_watches": "\(InotifyTools.maxUserWatches)", "error": "\(error)",
            ]
        )
    }

    // MARK: - Changes

    mutating func handle(_ change: FolderChange, in entry: Followed) async {
        let name = entry.watch.name
        switch change {
        case .file(let file):
            writing[file.path] = nil
            observe(file, watch: name)
        case .writing(let path):
            writing[path] = Date()
        case .symlink(let path):
            intake.yield(.symlink(path, entry.watch, config))
        case .removed(let path):
            writing[path] = nil
            if gate.contains(path) {
                gate.forget(path)
                owner[path] = nil
                logger.info("dropped before it settled: deleted or moved out", metadata: ["path": "\(path)"])
            }
            await cancelQueued(under: path, reason: "source file deleted or moved out before processing")
        case .removedTree(let path):
            gate.forget(under: path)
            await cancelQueued(under: path, reason: "source folder deleted or moved out before processing")
        case .scanned(let result, let root, let complete):
            for file in result.files { observe(file, watch: name) }
            for link in result.symlinks { intake.yield(.symlink(link, entry.watch, config)) }
            for error in result.errors {
                logger.warning("cannot scan folder", metadata: ["watch": "\(name)", "error": "\(error)"])
            }
            if complete {
                await reconcile(entry, root: root, present: Set(result.files.map(\.path)))
            } else if Date().timeIntervalSince(statusPublishedAt) > 1 {
                // A new directory means a new inotify watch: keep the count `watch list` shows fresh.
                publishStatus()
            }
        case .overflow:
            logger.warning(
                "inotify queue overflowed (fs.inotify.max_queued_events = \(InotifyTools.maxQueuedEvents)); rescanning",
                metadata: ["watch": "\(name)"]
            )
        case .watchLimitReached(let error):
            logWatchLimit(entry.watch, error)
            await switchToPolling(name)
        case .rootGone:
            logger.error(
                "watched folder disappeared; retrying every poll interval",
                metadata: ["path": "\(entry.watch.path)"]
            )
            if let tree = entry.tree { await runBlocking { tree.stop() } }
            followed[name]?.tree = nil
            followed[name]?.missing = true
            followed[name]?.nextPoll = Date().addingTimeInterval(config.limits.pollInterval.timeInterval)
        }
    }

    mutating func observe(_ file: FileObservation, watch name: String) {
        if known[name]?.contains(file) == true || inFlight.contains(file) { return }
        gate.observe(file, at: Date())
        owner[file.path] = name
    }

    /// After a complete scan: pending files that are gone are dropped, and jobs still waiting whose source
    /// vanished (for instance while the agent was down) are cancelled.
    mutating func reconcile(_ entry: Followed, root: String, present: Set<String>) async {
        let prefix = root + "/"
        for path in gate.pendingPaths where path.hasPrefix(prefix) && !present.contains(path) {
            gate.forget(path)
            owner[path] = nil
        }
        do {
            for job in try await database.queuedJobs(watch: entry.watch.name) where job.sourcePath.hasPrefix(prefix) {
                guard let id = job.id, access(job.sourcePath, F_OK) != 0 else { continue }
                try await database.apply(
                    .cancelled(reason: "source file disappeared before processing"),
                    toJob: id,
                    policy: config.retry
                )
                logger.info("cancelled: source disappeared", metadata: ["job": "\(id)", "path": "\(job.sourcePath)"])
            }
        } catch {
            logger.error("cannot reconcile jobs", metadata: ["watch": "\(entry.watch.name)", "error": "\(error)"])
        }
    }

    private func cancelQueued(under path: String, reason: String) async {
        do {
            for job in try await database.queuedJobs(under: path) {
                guard let id = job.id else { continue }
                try await database.apply(.cancelled(reason: reason), toJob: id, policy: config.retry)
                logger.info("cancelled: \(reason)", metadata: ["job": "\(id)", "path": "\(job.sourcePath)"])
            }
        } catch {
            logger.error("cannot cancel jobs", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    private mutating func switchToPolling(_ name: String) async {
        guard var entry = followed[name], entry.plan.mode == .inotify else { return }
        if let tree = entry.tree { await runBlocking { tree.stop() } }
        entry.tree = nil
        entry.plan = entry.plan.fallingBackToPolling()
        entry.nextPoll = Date()
        followed[name] = entry
        publishStatus()
    }

    // MARK: - Timer

    func settle(_ path: String) -> Duration {
        owner[path].flatMap { followed[$0]?.plan.settle } ?? config.limits.settleTime
    }

    /// The next moment something is due: a pending file's settle time, a poll, a drop-in reload.
    func nextDeadline() -> Date? {
        let polls = followed.values.compactMap(\.nextPoll)
        return ([gate.nextDeadline(settle: settle), reloadDue].compactMap { $0 } + polls).min()
    }

    mutating func runDue(box: ConfigBox) async {
        let now = Date()
        if let due = reloadDue, due <= now, let reload = environment.reload {
            reloadDue = nil
            reload()
        }
        for (name, entry) in followed.sorted(by: { $0.key < $1.key }) {
            guard let due = entry.nextPoll, due <= now else { continue }
            followed[name]?.nextPoll = now.addingTimeInterval(config.limits.pollInterval.timeInterval)
            if entry.missing {
                // A share that came back (or was mounted late) is followed again from scratch.
                if FileManager.default.fileExists(atPath: entry.watch.path) {
                    followed[name] = nil
                    await start(entry.watch)
                    publishStatus()
                }
                continue
            }
            guard entry.plan.mode == .poll else { continue }
            let scanner = scanner(for: entry.watch)
            let root = entry.watch.path
            let result = await runBlocking { scanner.scan(root) }
            await handle(.scanned(result, root: root, complete: true), in: entry)
        }
        var batches: [String: [FileObservation]] = [:]
        let ready = gate.takeReady(at: Date(), settle: settle)
        for file in ready {
            guard let name = owner.removeValue(forKey: file.path), let entry = followed[name] else { continue }
            // Compare the stat at the end of the settle time with the one at its start.
            guard let now = Intake.lstat(file.path) else {
                logger.info("dropped before it settled: deleted or moved out", metadata: ["path": "\(file.path)"])
                continue
            }
            if now != file || stillBeingWritten(file.path, settle: entry.plan.settle) {
                observe(now, watch: name)
                continue
            }
            writing[file.path] = nil
            if known[name]?.contains(file) == true { continue }
            inFlight.insert(file)
            batches[name, default: []].append(file)
        }
        for (name, files) in batches.sorted(by: { $0.key < $1.key }) {
            guard let entry = followed[name] else { continue }
            // A burst settles together: one transaction for a few hundred job rows instead of one each.
            for start in stride(from: 0, to: files.count, by: 500) {
                intake.yield(.files(Array(files[start..<min(start + 500, files.count)]), entry.watch, config))
            }
        }
    }

    /// Modified and not closed since: a writer pausing longer than the settle time. Its close ends the wait;
    /// a modification without any open (truncate by path) is released after ten settle times unchanged.
    func stillBeingWritten(_ path: String, settle: Duration) -> Bool {
        guard let last = writing[path] else { return false }
        return Date().timeIntervalSince(last) < settle.timeInterval * 10
    }

    // MARK: - Status

    /// Publishes each watch's live mode for `watch list` (which runs in another process).
    mutating func publishStatus() {
        guard let file = environment.statusFile else { return }
        statusPublishedAt = Date()
        let status = WatchStatusFile(
            pid: getpid(),
            inotifyWatches: InotifyTools.kernelWatchCount,
            maxUserWatches: InotifyTools.maxUserWatches,
            watches: followed.mapValues { entry in
                WatchStatusFile.Entry(
                    mode: entry.missing ? "missing" : entry.plan.description,
                    filesystem: entry.plan.filesystem.description,
                    settleSeconds: entry.plan.settle.timeInterval
                )
            }
        )
        status.write(to: file)
    }
}
