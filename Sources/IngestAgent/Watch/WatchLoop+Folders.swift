import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Which folders are followed and how: start, stop, restart on reload, the drop-in folder.
extension WatchLoop {
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
            try await database.relativizeSourcePaths(watch: watch)
            known[watch.name] = KnownFiles(try await database.knownSourceVersions(watch: watch))
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
        // Before the log line: whoever waits for it (a test, an admin) finds /healthz and `watch list` saying so too.
        publishStatus()
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

    func logWatchLimit(_ watch: WatchConfig, _ error: Errno) {
        logger.error(
            "inotify watch limit reached: raise fs.inotify.max_user_watches (sysctl -w fs.inotify.max_user_watches=N); polling this folder meanwhile",
            metadata: [
                "watch": "\(watch.name)", "path": "\(watch.path)",
                "max_user_watches": "\(InotifyTools.maxUserWatches)", "error": "\(error)",
            ]
        )
    }
}
