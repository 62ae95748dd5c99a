extension WatchConfig {
    /// Parses one `watches.d/NAME.toml`.
    static func parse(_ root: [String: ConfigValue], name: String, file: String, issues: IssueList) -> WatchConfig {
        let r = TableReader(file: file, path: "", table: root, issues: issues)
        var w = WatchConfig(name: name, file: file, path: r.string("path", default: ""))
        if w.path.isEmpty { r.fail("path", "required: the folder to watch") }
        w.profile = r.string("profile", default: w.profile)
        w.recursive = r.bool("recursive", default: w.recursive)
        w.metadataTemplate = r.optionalString("metadata_template")
        if let template = w.metadataTemplate {
            for field in Self.placeholders(in: template) where !Self.templateFields.contains(field) {
                r.fail(
                    "metadata_template",
                    "unknown field {\(field)} (known: \(Self.templateFields.map { "{\($0)}" }.joined(separator: ", ")))"
                )
            }
        }
        w.priority = r.int("priority", default: w.priority, range: -100...100)
        let success = r.string("on_success", default: "keep")
        if let action = SourceAction(success) {
            w.onSuccess = action
        } else {
            r.fail("on_success", "expected keep, delete or move:<dir>, found \"\(success)\"")
        }
        let failure = r.string("on_failure", default: "keep")
        if let action = SourceAction(failure), action != .delete {
            w.onFailure = action
        } else {
            r.fail("on_failure", "expected keep or move:<dir>, found \"\(failure)\" (failed sources are never deleted)")
        }
        w.ignore = r.strings("ignore", default: [])
        if r.has("settle_time") {
            w.settleTime = r.duration("settle_time", default: .seconds(5), range: .zero ... .seconds(3600))
        }
        let mode = r.string("mode", default: "auto")
        if let parsed = WatchMode(rawValue: mode) {
            w.mode = parsed
        } else {
            r.fail("mode", "expected auto, inotify or poll, found \"\(mode)\"")
        }
        w.enabled = r.bool("enabled", default: true)
        r.finish()
        return w
    }

    /// `{a}/{b}` → `["a", "b"]`.
    static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var current: String? = nil
        for character in template {
            if character == "{" {
                current = ""
            } else if character == "}", let name = current {
                names.append(name)
                current = nil
            } else if current != nil {
                current?.append(character)
            }
        }
        return names
    }
}
