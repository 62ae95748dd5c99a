import ArgumentParser
import Foundation
import IngestAgent
import IngestCore
import IngestWatcher

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "List, add or remove watched folders (one file each in watches.d/).",
        subcommands: [List.self, Add.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Show every watched folder, whether it is reachable, how it is followed, and its job counts.",
            discussion: """
                MODE is what the running agent uses (inotify, or poll with the reason: forced, nfs, smb, cifs, \
                smb2, fuse, inotify watch limit); when no agent runs, what it would use.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        struct Entry: Encodable {
            var name: String
            var path: String
            var file: String
            var state: String
            var mode: String
            /// True when `mode` comes from the running agent rather than a prediction.
            var live: Bool
            var filesystem: String
            var profile: String
            var recursive: Bool
            var priority: Int
            var jobs: [String: Int]
        }

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let counts = try await global.withDatabase(config) { try await $0.jobCountsByWatch() }
            let status = WatchStatusFile.read(stateDir: config.agent.stateDir)
            let entries = config.watches.map { watch in
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: watch.path, isDirectory: &isDirectory)
                let state =
                    !watch.enabled
                    ? "disabled" : !exists ? "missing" : !isDirectory.boolValue ? "not a directory" : "ok"
                let jobs = (counts[watch.name] ?? [:]).reduce(into: [String: Int]()) { $0[$1.key.rawValue] = $1.value }
                let magic = exists ? (try? FilesystemKind.magic(of: watch.path)) ?? 0 : 0
                let planned = WatchPlan.make(
                    watch: watch,
                    limits: config.limits,
                    filesystem: FilesystemKind(magic: magic)
                )
                let live = status?.watches[watch.name]
                return Entry(
                    name: watch.name,
                    path: watch.path,
                    file: watch.file,
                    state: state,
                    mode: live?.mode ?? planned.description,
                    live: live != nil,
                    filesystem: live?.filesystem ?? planned.filesystem.description,
                    profile: watch.profile,
                    recursive: watch.recursive,
                    priority: watch.priority,
                    jobs: jobs
                )
            }
            if output.json { return try JSONOutput.print(entries) }
            if entries.isEmpty {
                print("no watched folders in \(config.agent.watchesDir); add one with: reel-ingest watch add PATH")
                return
            }
            var table = Table(headers: ["NAME", "STATE", "MODE", "PROFILE", "JOBS", "PATH"])
            for entry in entries {
                let jobs = entry.jobs.keys.sorted().map { "\($0)=\(entry.jobs[$0] ?? 0)" }.joined(separator: " ")
                table.rows.append([
                    entry.name, entry.state, entry.mode, entry.profile, jobs.isEmpty ? "-" : jobs, entry.path,
                ])
            }
            print(table.render())
            if let status {
                print(
                    "agent pid \(status.pid): \(status.inotifyWatches) inotify watches in use of "
                        + "fs.inotify.max_user_watches = \(status.maxUserWatches)"
                )
            } else {
                print(
                    "agent not running: MODE is what it would use (fs.inotify.max_user_watches = \(InotifyTools.maxUserWatches))"
                )
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Start watching a folder: writes watches.d/NAME.toml (the running agent picks it up on reload)."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The folder to watch.") var path: String
        @Option(help: "Name of the watch (default: the folder's name).") var name: String?
        @Option(help: "Encoding profile from agent.toml.") var profile = "default"
        @Flag(name: .customLong("no-recursive"), help: "Watch only the folder itself, not its subfolders.")
        var notRecursive = false
        @Option(help: "Higher priority folders are processed first (-100...100).") var priority = 0
        @Option(help: "Metadata from folder names, e.g. {machineModel}/{process}/{title}.") var metadataTemplate:
            String?
        @Option(help: "After publishing: keep, delete or move:<dir>.") var onSuccess = "keep"
        @Option(help: "After a final failure: keep or move:<dir>.") var onFailure = "keep"
        @Option(help: "Extra file-name glob to ignore (repeatable).") var ignore: [String] = []
        @Option(help: "How long a file must stay unchanged before it is taken, e.g. 30s.") var settleTime: String?
        @Option(help: "auto, inotify or poll.") var mode = "auto"

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let absolute = ConfigLoader.absolutePath(path, base: FileManager.default.currentDirectoryPath)
            let watchName = name ?? URL(fileURLWithPath: absolute).lastPathComponent
            var watch = WatchConfig(
                name: watchName,
                file: config.agent.watchesDir + "/\(watchName).toml",
                path: absolute
            )
            watch.profile = profile
            watch.recursive = !notRecursive
            watch.priority = priority
            watch.metadataTemplate = metadataTemplate
            watch.ignore = ignore
            guard (-100...100).contains(priority) else { throw ValidationError("--priority must be within -100...100") }
            guard let success = SourceAction(onSuccess) else {
                throw ValidationError("--on-success must be keep, delete or move:<dir>")
            }
            guard let failure = SourceAction(onFailure), failure != .delete else {
                throw ValidationError("--on-failure must be keep or move:<dir>")
            }
            guard let watchMode = WatchMode(rawValue: mode) else {
                throw ValidationError("--mode must be auto, inotify or poll")
            }
            watch.onSuccess = success
            watch.onFailure = failure
            watch.mode = watchMode
            if let settleTime {
                guard let parsed = Units.duration(settleTime) else {
                    throw ValidationError("--settle-time: not a duration")
                }
                watch.settleTime = parsed
            }
            let file = try WatchDropIns.add(watch, to: config)
            print("watching \(absolute) as \"\(watchName)\" (\(file))")
            let grant = ServiceSandbox().grantInstructions(watch: watchName, path: absolute, configFile: config.file)
            if let grant { print(grant) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Stop watching a folder: deletes its watches.d/ file. Jobs already queued are kept."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The watch's name or its folder.") var nameOrPath: String

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let removed = try WatchDropIns.remove(nameOrPath, from: config)
            print("stopped watching \(removed.path) (deleted \(removed.file))")
            if let revoke = ServiceSandbox().revokeInstructions(watch: removed.name, configFile: config.file) {
                print(revoke)
            }
        }
    }
}
