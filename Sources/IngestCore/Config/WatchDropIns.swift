import Foundation

/// Writes and deletes `watches.d/NAME.toml`: what `watch add` and `watch remove` change.
public enum WatchDropIns {
    /// Validates `watch` against the loaded configuration and writes its drop-in atomically.
    public static func add(_ watch: WatchConfig, to config: AgentConfig) throws(ConfigErrors) -> String {
        let dir = config.agent.watchesDir
        let file = dir + "/" + watch.name + ".toml"
        var issues: [ConfigIssue] = []
        let validName =
            !watch.name.isEmpty && watch.name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        if !validName || watch.name.hasPrefix(".") {
            issues.append(
                ConfigIssue(file: file, key: nil, problem: "name may use letters, digits, '-', '_' and '.' only")
            )
        }
        if FileManager.default.fileExists(atPath: file) {
            issues.append(ConfigIssue(file: file, key: nil, problem: "a watch named \"\(watch.name)\" already exists"))
        }
        if let other = config.watches.first(where: { $0.path == watch.path }) {
            issues.append(
                ConfigIssue(file: file, key: "path", problem: "\(watch.path) is already watched by \(other.file)")
            )
        }
        let list = IssueList()
        ConfigLoader.checkWatch(watch, config: config, issues: list)
        issues += list.items
        guard issues.isEmpty else { throw ConfigErrors(issues) }
        guard case .table(let table) = watch.tree else { return file }
        let text = "# Watched folder, written by `reel-ingest watch add`.\n" + ConfigValue.toml(table)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw ConfigErrors([
                ConfigIssue(file: file, key: nil, problem: "cannot write: \(error.localizedDescription)")
            ])
        }
        return file
    }

    /// Deletes the drop-in of the watch named `nameOrPath` (or watching that path). Returns the removed watch.
    public static func remove(_ nameOrPath: String, from config: AgentConfig) throws(ConfigErrors) -> WatchConfig {
        let absolute = ConfigLoader.absolutePath(nameOrPath, base: FileManager.default.currentDirectoryPath)
        guard let watch = config.watches.first(where: { $0.name == nameOrPath || $0.path == absolute }) else {
            let known = config.watches.map(\.name).joined(separator: ", ")
            throw ConfigErrors([
                ConfigIssue(
                    file: config.agent.watchesDir,
                    key: nil,
                    problem: "no watch named or watching \"\(nameOrPath)\" (known: \(known.isEmpty ? "none" : known))"
                )
            ])
        }
        do {
            try FileManager.default.removeItem(atPath: watch.file)
        } catch {
            throw ConfigErrors([
                ConfigIssue(file: watch.file, key: nil, problem: "cannot delete: \(error.localizedDescription)")
            ])
        }
        return watch
    }
}
