import Foundation

/// The packaged service runs with `ProtectSystem=strict`: it may write only to its state and cache directories
/// and to what drop-ins in `reel-ingest.service.d/` add to `ReadWritePaths=`. A watched folder needs write
/// access (error notes, `on_success`/`on_failure` moves), so `watch add` prints the drop-in to create and
/// `watch remove` the one to delete. Nothing is printed outside the packaged layout.
struct ServiceSandbox {
    /// `/` on a server; tests point it at a directory of their own (`REEL_INGEST_SYSTEMD_ROOT`).
    var root: String

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        root = environment["REEL_INGEST_SYSTEMD_ROOT"] ?? ""
    }

    var dropInDirectory: String { root + "/etc/systemd/system/reel-ingest.service.d" }

    func dropInFile(watch: String) -> String { dropInDirectory + "/watch-\(watch).conf" }

    /// True when the packaged unit is installed and `configFile` is the configuration it runs with.
    func applies(configFile: String?) -> Bool {
        let units = ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]
            .map { root + $0 + "/reel-ingest.service" }
        return configFile == root + "/etc/reel-ingest/agent.toml"
            && units.contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// The `ReadWritePaths=` that drop-ins already grant.
    func writablePaths() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dropInDirectory)) ?? []
        return files.filter { $0.hasSuffix(".conf") }.sorted().flatMap { name -> [String] in
            let text = (try? String(contentsOfFile: dropInDirectory + "/" + name, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").flatMap { line -> [String] in
                let line = line.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("ReadWritePaths=") else { return [] }
                return Self.words(line.dropFirst("ReadWritePaths=".count)).map { word in
                    var path = Substring(word)
                    while let first = path.first, "-+".contains(first) { path = path.dropFirst() }
                    return String(path).replacingOccurrences(of: "%%", with: "%")
                }
            }
        }
    }

    func covers(_ path: String) -> Bool {
        writablePaths().contains { granted in
            let granted = granted.hasSuffix("/") ? String(granted.dropLast()) : granted
            return path == granted || path.hasPrefix(granted + "/") || granted.isEmpty
        }
    }

    /// What the admin runs so that the service may write into `path`; nil when nothing is needed.
    func grantInstructions(watch: String, path: String, configFile: String?) -> String? {
        guard applies(configFile: configFile), !covers(path) else { return nil }
        let file = dropInFile(watch: watch)
        // ProtectHome=yes hides home directories altogether; read-only lets ReadWritePaths open one folder in them.
        let home = ["/home/", "/root/", "/run/user/"].contains { path.hasPrefix($0) } ? "ProtectHome=read-only\n" : ""
        return """

            The reel-ingest service is sandboxed (ProtectSystem=strict) and cannot write into \(path) yet
            (error notes, on_success/on_failure). Grant it with a drop-in, then restart the service:

            mkdir -p \(dropInDirectory)
            cat > \(file) <<'EOF'
            [Service]
            \(home)ReadWritePaths=\(Self.unitQuoted(path))
            EOF
            systemctl daemon-reload && systemctl restart reel-ingest
            """
    }

    /// What the admin runs after `watch remove`; nil when there is no drop-in for the watch.
    func revokeInstructions(watch: String, configFile: String?) -> String? {
        let file = dropInFile(watch: watch)
        guard applies(configFile: configFile), FileManager.default.fileExists(atPath: file) else { return nil }
        return "The service may still write there; revoke it with: "
            + "rm \(file) && systemctl daemon-reload && systemctl restart reel-ingest"
    }

    /// A path as one word of a unit file: double quotes for spaces, `\` escapes, `%%` for systemd's specifiers.
    static func unitQuoted(_ path: String) -> String {
        var escaped = ""
        for character in path {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "%": escaped += "%%"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }

    /// Splits a unit-file list into words: whitespace-separated, double quotes group, `\` escapes.
    static func words(_ text: Substring) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quoted = false
        var escaping = false
        for character in text {
            if escaping {
                current.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
                inWord = true
            } else if character == "\"" {
                quoted.toggle()
                inWord = true
            } else if character.isWhitespace && !quoted {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
