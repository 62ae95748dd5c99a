extension AgentConfig {
    /// The resolved configuration as a tree, for `config check` (TOML or JSON). Secrets never appear:
    /// only where credentials come from and the access key's first and last characters.
    public func resolvedTree(environment: [String: String]) -> [String: ConfigValue] {
        let d = Units.formatDuration
        let b = Units.formatBytes
        var tree: [String: ConfigValue] = [:]
        tree["config_file"] = .string(file ?? "(embedded defaults)")
        tree["agent"] = .table([
            "name": .string(agent.name),
            "quarantine_after": .integer(agent.quarantineAfter),
            "state_dir": .string(agent.stateDir),
            "scratch_dir": .string(agent.scratchDir),
            "watches_dir": .string(agent.watchesDir),
            "parallel_jobs": .integer(agent.parallelJobs),
            "log_level": .string(agent.logLevel),
            "job_timeout": .string(d(agent.jobTimeout)),
            "parallel_uploads": .integer(agent.parallelUploads),
            "shutdown_timeout": .string(d(agent.shutdownTimeout)),
            "worker_nice": .integer(agent.workerNice),
            "worker_memory_limit": .string(b(agent.workerMemoryLimit)),
        ])
        tree["limits"] = .table([
            "max_file_size": .string(b(limits.maxFileSize)),
            "allowed_containers": .array(limits.allowedContainers.map(ConfigValue.string)),
            "extensions": .array(limits.extensions.map(ConfigValue.string)),
            "settle_time": .string(d(limits.settleTime)),
            "network_settle_time": .string(d(limits.networkSettleTime)),
            "poll_interval": .string(d(limits.pollInterval)),
            "max_width": .integer(limits.maxWidth),
            "max_height": .integer(limits.maxHeight),
            "max_duration": .string(d(limits.maxDuration)),
            "incomplete_wait": .string(d(limits.incompleteWait)),
        ])
        tree["retry"] = .table([
            "max_attempts": .integer(retry.maxAttempts),
            "base_delay": .string(d(retry.baseDelay)),
            "max_delay": .string(d(retry.maxDelay)),
        ])
        var storageTable: [String: ConfigValue] = [
            "url": .string(storage.url),
            "region": .string(storage.region),
            "path_style": .bool(storage.pathStyle),
            "part_size": .string(b(storage.partSize)),
            "multipart_threshold": .string(b(storage.multipartThreshold)),
            "concurrency": .integer(storage.concurrency),
            "checksum": .string(storage.checksum),
            "abandoned_upload_ttl": .string(d(storage.abandonedUploadTTL)),
            "archive_original": .bool(storage.archiveOriginal),
            "credentials": .string(credentialSource(environment: environment)),
        ]
        let optionalStorage = [
            ("endpoint", storage.endpoint), ("credentials_file", storage.credentialsFile),
            ("storage_class", storage.storageClass), ("server_side_encryption", storage.serverSideEncryption),
            ("kms_key_id", storage.kmsKeyId), ("ca_bundle", storage.caBundle),
        ]
        for case let (key, value?) in optionalStorage { storageTable[key] = .string(value) }
        tree["storage"] = .table(storageTable)
        var cdnTable: [String: ConfigValue] = [
            "provider": .string(cdn.provider), "prewarm": .bool(cdn.prewarm),
            "prewarm_segments": .integer(cdn.prewarmSegments), "purge_method": .string(cdn.purgeMethod),
        ]
        let optionalCDN = [
            ("base_url", cdn.baseURL), ("purge_url", cdn.purgeURL), ("distribution_id", cdn.distributionId),
            ("cloudfront_endpoint", cdn.cloudfrontEndpoint),
        ]
        for case let (key, value?) in optionalCDN {
            cdnTable[key] = .string(value)
        }
        tree["cdn"] = .table(cdnTable)
        var apiTable: [String: ConfigValue] = [
            "enabled": .bool(api.enabled),
            "listen": .string(api.listen),
            "preview_expiry": .string(d(api.previewExpiry)),
            "upload_expiry": .string(d(api.uploadExpiry)),
            "max_chunk_size": .string(b(api.maxChunkSize)),
            "header_timeout": .string(d(api.headerTimeout)),
            "idle_timeout": .string(d(api.idleTimeout)),
            "max_connections": .integer(api.maxConnections),
            "max_live_connections": .integer(api.maxLiveConnections),
        ]
        for case let (key, value?) in [("token_file", api.tokenFile), ("upload_dir", api.uploadDir)] {
            apiTable[key] = .string(value)
        }
        tree["api"] = .table(apiTable)
        tree["profiles"] = .table(profiles.mapValues { $0.tree })
        tree["watches"] = .array(watches.map(\.tree))
        return tree
    }

    /// Where S3 credentials will come from, with the access key shortened.
    func credentialSource(environment: [String: String]) -> String {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            let secret = environment["AWS_SECRET_ACCESS_KEY"].map { $0.isEmpty ? "missing" : "set" } ?? "missing"
            return "environment: AWS_ACCESS_KEY_ID=\(Self.redact(key)), secret \(secret)"
        }
        if let file = storage.credentialsFile { return "file: \(file)" }
        return storage.scheme == "s3" ? "none found (set AWS_ACCESS_KEY_ID or storage.credentials_file)" : "not needed"
    }

    static func redact(_ key: String) -> String {
        key.count <= 8 ? "****" : "\(key.prefix(4))****\(key.suffix(4))"
    }
}

extension Profile {
    var tree: ConfigValue {
        .table([
            "segment_duration": .string(Units.formatDuration(segmentDuration)),
            "max_frame_rate": .double(maxFrameRate),
            "mp4_height": .integer(mp4Height),
            "passthrough": .string(passthrough.rawValue),
            "passthrough_max_bitrate": passthroughMaxBitrate.map(ConfigValue.integer) ?? .string("auto"),
            "passthrough_max_keyframe_interval": passthroughMaxKeyframeInterval.map {
                .string(Units.formatDuration($0))
            } ?? .string("auto"),
            "renditions": .array(
                renditions.map { rung in
                    .table([
                        "height": .integer(rung.height),
                        "video_bitrate": .integer(rung.videoBitrate),
                        "maxrate": .integer(rung.maxrate),
                        "bufsize": .integer(rung.bufsize),
                        "profile": .string(rung.h264Profile),
                        "level": .string(rung.level),
                        "preset": .string(rung.preset),
                    ])
                }
            ),
            "audio": .table([
                "bitrate": .integer(audio.bitrate),
                "channels": .integer(audio.channels),
                "sample_rate": .integer(audio.sampleRate),
            ]),
            "thumbnails": .table([
                "percentages": .array(thumbnails.percentages.map(ConfigValue.double)),
                "seconds": .array(thumbnails.seconds.map(ConfigValue.double)),
                "widths": .array(thumbnails.widths.map(ConfigValue.integer)),
                "poster": .bool(thumbnails.poster),
                "quality": .integer(thumbnails.quality),
            ]),
        ])
    }
}

extension WatchConfig {
    /// The drop-in's keys, as written by `watch add` and shown by `config check`.
    public var tree: ConfigValue {
        var table: [String: ConfigValue] = [
            "path": .string(path),
            "profile": .string(profile),
            "recursive": .bool(recursive),
            "priority": .integer(priority),
            "on_success": .string(onSuccess.description),
            "on_failure": .string(onFailure.description),
            "mode": .string(mode.rawValue),
            "enabled": .bool(enabled),
        ]
        if let metadataTemplate { table["metadata_template"] = .string(metadataTemplate) }
        if !ignore.isEmpty { table["ignore"] = .array(ignore.map(ConfigValue.string)) }
        if let settleTime { table["settle_time"] = .string(Units.formatDuration(settleTime)) }
        return .table(table)
    }
}
