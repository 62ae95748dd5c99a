extension AgentConfig {
    /// Builds the configuration from a parsed `agent.toml`. Pure: paths are taken as written;
    /// `ConfigLoader` resolves them and checks the filesystem.
    static func parse(_ root: [String: ConfigValue], file: String, issues: IssueList) -> AgentConfig {
        var config = AgentConfig()
        config.file = file
        let top = TableReader(file: file, path: "", table: root, issues: issues)
        if let r = top.table("agent") { config.agent = .parse(r) }
        if let r = top.table("limits") { config.limits = .parse(r) }
        if let r = top.table("retry") { config.retry = RetryPolicy.parse(r) }
        if let r = top.table("storage") { config.storage = .parse(r) }
        if let r = top.table("cdn") { config.cdn = .parse(r) }
        if let r = top.table("api") { config.api = .parse(r) }
        if let r = top.table("database") { config.database = .parse(r) }
        if let r = top.table("profiles") {
            for name in r.keys {
                guard let profile = r.table(name) else { continue }
                config.profiles[name] = Profile.parse(profile, name: name)
            }
        }
        top.finish()
        return config
    }
}

extension AgentSettings {
    static func parse(_ r: TableReader) -> AgentSettings {
        var s = AgentSettings()
        s.name = r.string("name", default: s.name)
        if s.name.isEmpty || s.name.count > 63
            || s.name.unicodeScalars.contains(where: {
                !($0.properties.isAlphabetic || "0123456789-_.".unicodeScalars.contains($0))
            })
        {
            r.fail("name", "expected 1 to 63 letters, digits, '-', '_' or '.', found \"\(s.name)\"")
        }
        s.stateDir = r.string("state_dir", default: s.stateDir)
        s.scratchDir = r.string("scratch_dir", default: s.scratchDir)
        s.watchesDir = r.string("watches_dir", default: s.watchesDir)
        s.parallelJobs = r.int("parallel_jobs", default: s.parallelJobs, range: 1...64)
        s.logLevel = r.string("log_level", default: s.logLevel)
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        if !levels.contains(s.logLevel) {
            r.fail("log_level", "unknown level \"\(s.logLevel)\" (one of: \(levels.joined(separator: ", ")))")
        }
        s.jobTimeout = r.duration("job_timeout", default: s.jobTimeout, range: .seconds(10) ... .seconds(7 * 86_400))
        s.parallelUploads = r.int("parallel_uploads", default: s.parallelUploads, range: 1...64)
        s.shutdownTimeout = r.duration(
            "shutdown_timeout",
            default: s.shutdownTimeout,
            range: .seconds(1) ... .seconds(3600)
        )
        s.workerNice = r.int("worker_nice", default: s.workerNice, range: 0...19)
        s.workerMemoryLimit = r.bytes(
            "worker_memory_limit",
            default: s.workerMemoryLimit,
            range: (256 << 20)...(Int64(1) << 50)
        )
        s.quarantineAfter = r.int("quarantine_after", default: s.quarantineAfter, range: 0...10_000)
        r.finish()
        return s
    }
}

extension Limits {
    static func parse(_ r: TableReader) -> Limits {
        var l = Limits()
        l.maxFileSize = r.bytes("max_file_size", default: l.maxFileSize, range: 1...(Int64(1) << 50))
        l.allowedContainers = r.strings("allowed_containers", default: l.allowedContainers)
        for name in l.allowedContainers where !Limits.knownContainers.contains(name) {
            r.fail(
                "allowed_containers",
                "unknown container \"\(name)\" (known: \(Limits.knownContainers.joined(separator: ", ")))"
            )
        }
        l.extensions = r.strings("extensions", default: l.extensions).map { $0.lowercased() }
        let settleRange: ClosedRange<Duration> = .zero ... .seconds(3600)
        l.settleTime = r.duration("settle_time", default: l.settleTime, range: settleRange)
        l.networkSettleTime = r.duration("network_settle_time", default: l.networkSettleTime, range: settleRange)
        l.pollInterval = r.duration(
            "poll_interval",
            default: l.pollInterval,
            range: .milliseconds(100) ... .seconds(3600)
        )
        l.maxWidth = r.int("max_width", default: l.maxWidth, range: 16...16384)
        l.maxHeight = r.int("max_height", default: l.maxHeight, range: 16...16384)
        l.maxDuration = r.duration("max_duration", default: l.maxDuration, range: .seconds(1) ... .seconds(86_400))
        l.incompleteWait = r.duration("incomplete_wait", default: l.incompleteWait, range: .zero ... .seconds(86_400))
        r.finish()
        return l
    }
}

extension RetryPolicy {
    static func parse(_ r: TableReader) -> RetryPolicy {
        var p = RetryPolicy()
        p.maxAttempts = r.int("max_attempts", default: p.maxAttempts, range: 1...100)
        p.baseDelay = r.duration("base_delay", default: p.baseDelay, range: .seconds(1) ... .seconds(86_400))
        p.maxDelay = r.duration("max_delay", default: p.maxDelay, range: .seconds(1) ... .seconds(30 * 86_400))
        if p.maxDelay < p.baseDelay {
            r.fail("max_delay", "must not be shorter than base_delay (\(Units.formatDuration(p.baseDelay)))")
        }
        r.finish()
        return p
    }
}

extension StorageSettings {
    static func parse(_ r: TableReader) -> StorageSettings {
        var s = StorageSettings()
        s.url = r.string("url", default: s.url)
        switch s.scheme {
        case "file":
            // file:///abs/dir, or file:rel/dir relative to the config file (resolved by the loader).
            let rest = s.url.dropFirst("file:".count)
            if rest.isEmpty || (rest.hasPrefix("/") && !s.url.hasPrefix("file:///")) {
                r.fail("url", "a file store is file:///srv/videos (or file:relative/dir, relative to this file)")
            }
        case "s3":
            let bucket = s.url.dropFirst("s3://".count).split(separator: "/").first
            if !s.url.hasPrefix("s3://") || bucket == nil {
                r.fail("url", "an S3 store is written s3://bucket or s3://bucket/prefix")
            }
        default:
            r.fail("url", "unsupported scheme \"\(s.scheme)\" (use file:///dir or s3://bucket/prefix)")
        }
        s.endpoint = r.optionalString("endpoint")
        if let endpoint = s.endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            r.fail("endpoint", "must start with http:// or https://")
        }
        s.region = r.string("region", default: s.region)
        s.pathStyle = r.bool("path_style", default: s.pathStyle)
        // S3 refuses parts under 5 MiB (except the last) and over 5 GiB.
        let partRange: ClosedRange<Int64> = (5 << 20)...(5 << 30)
        s.partSize = r.bytes("part_size", default: s.partSize, range: partRange)
        s.multipartThreshold = r.bytes("multipart_threshold", default: s.multipartThreshold, range: partRange)
        s.concurrency = r.int("concurrency", default: s.concurrency, range: 1...64)
        s.credentialsFile = r.optionalString("credentials_file")
        s.storageClass = r.optionalString("storage_class")
        s.serverSideEncryption = r.optionalString("server_side_encryption")
        if let sse = s.serverSideEncryption, !["AES256", "aws:kms"].contains(sse) {
            r.fail("server_side_encryption", "unknown value \"\(sse)\" (AES256 or aws:kms)")
        }
        s.kmsKeyId = r.optionalString("kms_key_id")
        if s.kmsKeyId != nil && s.serverSideEncryption != "aws:kms" {
            r.fail("kms_key_id", "only used with server_side_encryption = \"aws:kms\"")
        }
        s.caBundle = r.optionalString("ca_bundle")
        s.checksum = r.string("checksum", default: s.checksum)
        if !StorageSettings.checksums.contains(s.checksum) {
            r.fail("checksum", "unknown value \"\(s.checksum)\" (crc32 or none)")
        }
        s.abandonedUploadTTL = r.duration(
            "abandoned_upload_ttl",
            default: s.abandonedUploadTTL,
            range: .seconds(60) ... .seconds(365 * 86_400)
        )
        s.archiveOriginal = r.bool("archive_original", default: s.archiveOriginal)
        r.finish()
        return s
    }
}

extension CDNSettings {
    static func parse(_ r: TableReader) -> CDNSettings {
        var c = CDNSettings()
        c.provider = r.string("provider", default: c.provider)
        if !CDNSettings.providers.contains(c.provider) {
            r.fail(
                "provider",
                "unknown provider \"\(c.provider)\" (one of: \(CDNSettings.providers.joined(separator: ", ")))"
            )
        }
        c.baseURL = r.optionalString("base_url").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        c.purgeURL = r.optionalString("purge_url")
        for (key, url) in [("base_url", c.baseURL), ("purge_url", c.purgeURL)] {
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                r.fail(key, "must start with http:// or https://")
            }
        }
        c.purgeMethod = r.string("purge_method", default: c.purgeMethod)
        if !CDNSettings.purgeMethods.contains(c.purgeMethod) {
            r.fail("purge_method", "unknown value \"\(c.purgeMethod)\" (url or ban)")
        }
        c.prewarm = r.bool("prewarm", default: c.prewarm)
        c.prewarmSegments = r.int("prewarm_segments", default: c.prewarmSegments, range: 0...1000)
        c.distributionId = r.optionalString("distribution_id")
        c.cloudfrontEndpoint = r.optionalString("cloudfront_endpoint")
        if c.provider != "none" && c.baseURL == nil {
            r.fail("base_url", "required when provider is \"\(c.provider)\"")
        }
        if c.kind == "cloudfront" && c.distributionId == nil {
            r.fail("distribution_id", "required when provider is \"cloudfront\"")
        }
        r.finish()
        return c
    }
}

extension APISettings {
    static func parse(_ r: TableReader) -> APISettings {
        var a = APISettings()
        a.listen = r.string("listen", default: a.listen)
        if HostPort(a.listen) == nil {
            r.fail("listen", "expected HOST:PORT such as 127.0.0.1:8790, found \"\(a.listen)\"")
        }
        a.enabled = r.bool("enabled", default: a.enabled)
        a.tokenFile = r.optionalString("token_file")
        if a.enabled && a.tokenFile == nil && HostPort(a.listen) != nil && !a.isLoopback {
            r.fail(
                "token_file",
                "required when listen (\(a.listen)) is not a loopback address: every request from the network "
                    + "needs a bearer token"
            )
        }
        a.previewExpiry = r.duration(
            "preview_expiry",
            default: a.previewExpiry,
            range: .seconds(60) ... .seconds(604_800)
        )
        a.uploadDir = r.optionalString("upload_dir")
        a.uploadExpiry = r.duration(
            "upload_expiry",
            default: a.uploadExpiry,
            range: .seconds(1) ... .seconds(30 * 86_400)
        )
        a.maxChunkSize = r.bytes("max_chunk_size", default: a.maxChunkSize, range: 65_536...(Int64(1) << 32))
        a.headerTimeout = r.duration("header_timeout", default: a.headerTimeout, range: .seconds(1) ... .seconds(600))
        a.idleTimeout = r.duration("idle_timeout", default: a.idleTimeout, range: .seconds(1) ... .seconds(3600))
        a.maxConnections = r.int("max_connections", default: a.maxConnections, range: 1...65_536)
        a.maxLiveConnections = r.int(
            "max_live_connections",
            default: a.maxLiveConnections,
            range: 1...max(1, a.maxConnections)
        )
        r.finish()
        return a
    }
}

/// `127.0.0.1:8790` or `[::1]:8790`.
public struct HostPort: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
