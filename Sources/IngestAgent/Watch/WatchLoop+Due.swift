import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What the timer wakes the loop for: settled files, polls, the drop-in reload, and the status for `watch list`.
extension WatchLoop {
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
        var settled: [(file: FileObservation, watch: String)] = []
        let ready = gate.takeReady(at: Date(), settle: settle)
        for file in ready {
            guard let name = owner.removeValue(forKey: file.path), let entry = followed[name] else { continue }
            // Compare the stat at the end of the settle time with the one at its start.
            guard let now = Intake.lstat(file.path) else {
                logger.info("dropped before it settled: deleted or moved out", metadata: ["path": "\(file.path)"])
                incomplete[file.path] = nil
                continue
            }
            if now != file || stillBeingWritten(file.path, settle: entry.plan.settle) {
                observe(now, watch: name)
                continue
            }
            writing[file.path] = nil
            if known[name]?.contains(file) == true { continue }
            settled.append((file, name))
        }
        var batches: [String: [FileObservation]] = [:]
        for (file, name) in await wholeOrWaitedEnough(settled) {
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

    /// The settled files that are whole containers, or have waited `limits.incomplete_wait` without becoming whole
    /// (intake rejects those as truncated). The others go back to the gate, to be checked again after the settle time.
    mutating func wholeOrWaitedEnough(_ settled: [(file: FileObservation, watch: String)]) async
        -> [(file: FileObservation, watch: String)]
    {
        guard !settled.isEmpty else { return [] }
        let paths = settled.map(\.file.path)
        let verdicts = await runBlocking { paths.map { ContainerCompleteness.check(path: $0) } }
        let now = Date()
        var taken: [(file: FileObservation, watch: String)] = []
        for ((file, name), verdict) in zip(settled, verdicts) {
            guard case .incomplete(let reason) = verdict else {
                incomplete[file.path] = nil
                taken.append((file, name))
                continue
            }
            let wait = config.limits.incompleteWait
            if let earlier = incomplete[file.path], earlier.file == file {
                if now.timeIntervalSince(earlier.since) >= wait.timeInterval {
                    incomplete[file.path] = nil
                    taken.append((file, name))
                    continue
                }
            } else {
                incomplete[file.path] = (file, now)
                guard wait > .zero else {
                    incomplete[file.path] = nil
                    taken.append((file, name))
                    continue
                }
                logger.info(
                    "waiting for the rest of the file",
                    metadata: [
                        "path": "\(file.path)", "reason": "\(reason)",
                        "rejected_after": "\(Units.formatDuration(wait))",
                    ]
                )
            }
            gate.observe(file, at: now)
            owner[file.path] = name
        }
        return taken
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
