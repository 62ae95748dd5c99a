import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import Logging
import ServiceLifecycle

/// Scans every enabled watch folder each poll interval and records each file once it has held still
/// for the settle time: a source row and a job, committed together. This is the agent's view of the
/// folders until the inotify watcher takes over; it only records, nothing is processed yet.
struct FolderRecorder: Service {
    let box: ConfigBox
    let database: IngestDatabase
    let logger: Logger

    func run() async throws {
        var gate = StabilityGate()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let config = box.config
            await scanOnce(config: config, gate: &gate)
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: config.limits.pollInterval)
            }
        }
        logger.info("folder recorder stopped")
    }

    func scanOnce(config: AgentConfig, gate: inout StabilityGate) async {
        let now = Date()
        let watches = config.watches.filter(\.enabled)
        var seen: Set<String> = []
        var settle: [String: Duration] = [:]
        for watch in watches {
            let scanner = TreeScanner(
                rules: IgnoreRules(extensions: config.limits.extensions, globs: watch.ignore),
                recursive: watch.recursive
            )
            let result = await runBlocking { scanner.scan(watch.path) }
            for error in result.errors {
                logger.warning("cannot scan folder", metadata: ["watch": "\(watch.name)", "error": "\(error)"])
            }
            for file in result.files {
                seen.insert(file.path)
                settle[file.path] = watch.settleTime ?? config.limits.settleTime
                gate.observe(file, at: now)
            }
        }
        for path in gate.pendingPaths where !seen.contains(path) {
            gate.forget(path)
        }
        let ready = gate.takeReady(at: now) { settle[$0] ?? config.limits.settleTime }
        for file in ready {
            guard let watch = watches.first(where: { file.path.hasPrefix($0.path + "/") }) else { continue }
            await record(file, watch: watch, config: config)
        }
    }

    private func record(_ file: FileObservation, watch: WatchConfig, config: AgentConfig) async {
        do {
            guard let job = try await database.recordObservation(file, watch: watch), let id = job.id else { return }
            if file.size > config.limits.maxFileSize {
                let reason =
                    "file too large: \(Units.formatBytes(file.size)) exceeds the limit of "
                    + Units.formatBytes(config.limits.maxFileSize)
                try await database.apply(.rejected(reason: reason), toJob: id, policy: config.retry)
                logger.warning("rejected", metadata: ["job": "\(id)", "path": "\(file.path)", "reason": "\(reason)"])
                return
            }
            try await database.apply(.settled, toJob: id, policy: config.retry)
            logger.info("recorded", metadata: ["job": "\(id)", "path": "\(file.path)", "size": "\(file.size)"])
        } catch {
            logger.error("cannot record file", metadata: ["path": "\(file.path)", "error": "\(error)"])
        }
    }
}
