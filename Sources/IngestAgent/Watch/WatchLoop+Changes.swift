import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What a folder reported: files to hold in the gate, files gone, scans to reconcile with the database.
extension WatchLoop {
    mutating func handle(_ change: FolderChange, in entry: Followed) async {
        let name = entry.watch.name
        switch change {
        case .file(let file):
            writing[file.path] = nil
            observe(file, watch: name)
        case .writing(let path):
            writing[path] = Date()
        case .symlink(let path):
            takeLink(path, entry: entry)
        case .removed(let path):
            writing[path] = nil
            known[name]?.forget(path)
            if gate.contains(path) {
                gate.forget(path)
                owner[path] = nil
                logger.info("dropped before it settled: deleted or moved out", metadata: ["path": "\(path)"])
            }
            await cancelQueued(
                under: path,
                in: entry.watch,
                reason: "source file deleted or moved out before processing"
            )
        case .removedTree(let path):
            gate.forget(under: path)
            known[name]?.forget(under: path)
            await cancelQueued(
                under: path,
                in: entry.watch,
                reason: "source folder deleted or moved out before processing"
            )
        case .scanned(let result, let root, let complete):
            for file in result.files { observe(file, watch: name) }
            for link in result.symlinks { takeLink(link, entry: entry) }
            for error in result.errors {
                logger.warning("cannot scan folder", metadata: ["watch": "\(name)", "error": "\(error)"])
            }
            if complete && !result.rootReadable {
                // An unreadable root (share unmounted) is not an empty folder: keep every job, retry later.
                logger.error("watched folder unreadable; retrying every poll interval", metadata: ["path": "\(root)"])
                if root == entry.watch.path { followed[name]?.missing = true }
            } else if complete && entry.plan.filesystem.isNetwork
                && !FilesystemKind(magic: environment.filesystemMagic(entry.watch.path)).isNetwork
            {
                // The share's mount point, now showing the local disk under it: unmounted, not emptied.
                logger.error("network share appears unmounted; keeping its jobs", metadata: ["path": "\(root)"])
            } else if complete {
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
            // /healthz, /metrics and `watch list` read the status file: say so at once.
            publishStatus()
        }
    }

    /// Each link is judged once per agent run (polling finds it again on every scan); a new link at the same
    /// path is judged again.
    mutating func takeLink(_ path: String, entry: Followed) {
        guard let link = Intake.lstat(path), !links.contains(link) else { return }
        links.insert(link)
        intake.yield(.symlink(path, entry.watch, config))
    }

    mutating func observe(_ file: FileObservation, watch name: String) {
        if known[name]?.contains(file) == true || inFlight.contains(file) { return }
        if !gate.contains(file.path) {
            logger.debug("settling", metadata: ["path": "\(file.path)"])
            KillPoint.afterDiscovery.reached()
        }
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
        known[entry.watch.name]?.keep(under: root, only: present)
        do {
            for job in try await database.queuedJobs(watch: entry.watch.name) {
                let path = entry.watch.localPath(job.sourcePath)
                // Gone from the listing this scan made, and still gone now: a file deleted after the listing (or
                // a share unmounted since) is left for the next scan to judge.
                guard path.hasPrefix(prefix), let id = job.id, !present.contains(path), !FileSystemCalls.exists(path)
                else { continue }
                try await database.apply(
                    .cancelled(reason: "source file disappeared before processing"),
                    toJob: id,
                    policy: config.retry
                )
                logger.info("cancelled: source disappeared", metadata: ["job": "\(id)", "path": "\(path)"])
            }
        } catch {
            logger.error("cannot reconcile jobs", metadata: ["watch": "\(entry.watch.name)", "error": "\(error)"])
        }
    }

    func cancelQueued(under path: String, in watch: WatchConfig, reason: String) async {
        do {
            for job in try await database.queuedJobs(watch: watch, under: path) {
                guard let id = job.id else { continue }
                try await database.apply(.cancelled(reason: reason), toJob: id, policy: config.retry)
                logger.info(
                    "cancelled: \(reason)",
                    metadata: ["job": "\(id)", "path": "\(watch.localPath(job.sourcePath))"]
                )
            }
        } catch {
            logger.error("cannot cancel jobs", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    mutating func switchToPolling(_ name: String) async {
        guard var entry = followed[name], entry.plan.mode == .inotify else { return }
        if let tree = entry.tree { await runBlocking { tree.stop() } }
        entry.tree = nil
        entry.plan = entry.plan.fallingBackToPolling()
        entry.nextPoll = Date()
        followed[name] = entry
        publishStatus()
    }
}
