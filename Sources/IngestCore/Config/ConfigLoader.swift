import Foundation

/// Reads `agent.toml` and `watches.d/*.toml`, resolves relative paths against the config file's directory
/// and checks what the files point at (folders exist, secret files are private).
public enum ConfigLoader {
    public static let defaultPath = "/etc/reel-ingest/agent.toml"
    public static let environmentVariable = "REEL_INGEST_CONFIG"

    /// `--config` wins, then `$REEL_INGEST_CONFIG`, then the default path.
    public static func configPath(explicit: String?, environment: [String: String]) -> (path: String, explicit: Bool) {
        if let explicit { return (explicit, true) }
        if let fromEnv = environment[environmentVariable], !fromEnv.isEmpty { return (fromEnv, true) }
        return (defaultPath, false)
    }

    /// Loads and checks everything. A missing file is an error only when it was named explicitly:
    /// otherwise the embedded defaults apply.
    /// With `requireWatchFolders: false` a watch whose folder is missing (an unmounted share) is kept and
    /// reported by the caller instead of failing the whole load. With `includeWatches: false` the drop-ins are not
    /// read at all (the media worker needs profiles and limits only, and a broken drop-in must not fail a transcode).
    public static func load(
        path: String,
        mustExist: Bool,
        requireWatchFolders: Bool = true,
        includeWatches: Bool = true
    ) throws(ConfigErrors) -> AgentConfig {
        let issues = IssueList()
        let absolute = absolutePath(path, base: FileManager.default.currentDirectoryPath)
        var config: AgentConfig
        if FileManager.default.fileExists(atPath: absolute) {
            guard let data = FileManager.default.contents(atPath: absolute),
                let text = String(data: data, encoding: .utf8)
            else {
                throw ConfigErrors([ConfigIssue(file: path, key: nil, problem: "cannot read the file as UTF-8 text")])
            }
            config = AgentConfig.parse(try ConfigValue.parse(toml: text, file: path), file: path, issues: issues)
            config.file = absolute
        } else if mustExist {
            throw ConfigErrors([ConfigIssue(file: path, key: nil, problem: "file not found")])
        } else {
            config = AgentConfig()
        }
        let base = config.file.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "/etc/reel-ingest"
        config.resolvePaths(base: base)
        if includeWatches {
            config.watches = loadWatches(config: config, issues: issues, requireFolders: requireWatchFolders)
        }
        check(config, displayFile: path, issues: issues)
        if !issues.items.isEmpty { throw ConfigErrors(issues.items) }
        return config
    }

    /// Every `*.toml` in the watches directory, in name order.
    static func loadWatches(config: AgentConfig, issues: IssueList, requireFolders: Bool) -> [WatchConfig] {
        let dir = config.agent.watchesDir
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var watches: [WatchConfig] = []
        var seenPaths: [String: String] = [:]
        for entry in names.sorted() where entry.hasSuffix(".toml") && !entry.hasPrefix(".") {
            let file = dir + "/" + entry
            let name = String(entry.dropLast(".toml".count))
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else {
                issues.add(ConfigIssue(file: file, key: nil, problem: "cannot read the file as UTF-8 text"))
                continue
            }
            let root: [String: ConfigValue]
            do {
                root = try ConfigValue.parse(toml: text, file: file)
            } catch {
                error.issues.forEach(issues.add)
                continue
            }
            var watch = WatchConfig.parse(root, name: name, file: file, issues: issues)
            guard !watch.path.isEmpty else { continue }
            watch.path = absolutePath(watch.path, base: dir)
            checkWatch(watch, config: config, issues: issues, requireFolder: requireFolders)
            if let other = seenPaths[watch.path] {
                issues.add(
                    ConfigIssue(file: file, key: "path", problem: "\(watch.path) is already watched by \(other)")
                )
            }
            seenPaths[watch.path] = file
            watches.append(watch)
        }
        return watches
    }

    static func checkWatch(_ watch: WatchConfig, config: AgentConfig, issues: IssueList, requireFolder: Bool = true) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: watch.path, isDirectory: &isDirectory) {
            guard requireFolder else { return }
            issues.add(ConfigIssue(file: watch.file, key: "path", problem: "directory does not exist: \(watch.path)"))
        } else if !isDirectory.boolValue {
            issues.add(ConfigIssue(file: watch.file, key: "path", problem: "not a directory: \(watch.path)"))
        }
        if config.profiles[watch.profile] == nil {
            let known = config.profiles.keys.sorted().joined(separator: ", ")
            issues.add(
                ConfigIssue(
                    file: watch.file,
                    key: "profile",
                    problem: "unknown profile \"\(watch.profile)\" (defined: \(known))"
                )
            )
        }
    }

    /// Filesystem checks of the main file's paths.
    static func check(_ config: AgentConfig, displayFile: String, issues: IssueList) {
        for (key, dir) in [("agent.state_dir", config.agent.stateDir), ("agent.scratch_dir", config.agent.scratchDir)] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), !isDirectory.boolValue {
                issues.add(ConfigIssue(file: displayFile, key: key, problem: "exists but is not a directory: \(dir)"))
            }
        }
        let secrets = [
            ("storage.credentials_file", config.storage.credentialsFile), ("api.token_file", config.api.tokenFile),
            ("database.password_file", config.database.passwordFile),
        ]
        for case let (key, path?) in secrets {
            if let problem = privateFileProblem(path) {
                issues.add(ConfigIssue(file: displayFile, key: key, problem: problem))
            }
        }
        if let bundle = config.storage.caBundle, !FileManager.default.fileExists(atPath: bundle) {
            issues.add(ConfigIssue(file: displayFile, key: "storage.ca_bundle", problem: "file not found: \(bundle)"))
        }
    }

    /// A secret file must exist and be readable by its owner only.
    public static func privateFileProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "cannot read \(path): \(String(cString: strerror(errno)))"
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "not a regular file: \(path)" }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            return "\(path) is readable by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)"
        }
        return nil
    }

    public static func absolutePath(_ path: String, base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}

extension AgentConfig {
    mutating func resolvePaths(base: String) {
        func resolve(_ path: String) -> String { ConfigLoader.absolutePath(path, base: base) }
        agent.stateDir = resolve(agent.stateDir)
        agent.scratchDir = resolve(agent.scratchDir)
        agent.watchesDir = resolve(agent.watchesDir)
        // `file:relative/dir` (no slashes after the colon) names a folder relative to this file, like the paths.
        if storage.url.hasPrefix("file:") && !storage.url.hasPrefix("file:/") {
            storage.url = "file://" + resolve(String(storage.url.dropFirst("file:".count)))
        }
        storage.credentialsFile = storage.credentialsFile.map(resolve)
        storage.caBundle = storage.caBundle.map(resolve)
        api.tokenFile = api.tokenFile.map(resolve)
        api.uploadDir = api.uploadDir.map(resolve)
        database.passwordFile = database.passwordFile.map(resolve)
    }
}
