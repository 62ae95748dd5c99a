import Foundation
import IngestCore

/// Intake: stable files become source rows and jobs; content hashes link duplicates. Where SQLite's single writer
/// makes these decisions one at a time, a transaction-scoped advisory lock on the path or the hash does here.
extension PostgresStore {
    public func knownSourceVersions(watch: WatchConfig) async throws -> Set<FileObservation> {
        try await read { session in
            let rows = try await session.fetchAll(
                SourceFileRecord.self,
                "SELECT * FROM source_files WHERE watch_name = ?",
                [watch.name]
            )
            return Set(rows.map { $0.observation(in: watch) })
        }
    }

    /// Rows written while paths were absolute, made relative to the watch's folder; a no-op once done.
    public func relativizeSourcePaths(watch: WatchConfig) async throws {
        let root = watch.path.hasSuffix("/") ? watch.path : watch.path + "/"
        let start = root.unicodeScalars.count + 1
        try await write { session, _ in
            try await session.execute(
                "UPDATE source_files SET path = substr(path, ?::int) WHERE watch_name = ? AND starts_with(path, ?)",
                [start, watch.name, root]
            )
            try await session.execute(
                """
                UPDATE video_processing_jobs SET source_path = substr(source_path, ?::int)
                WHERE watch_name = ? AND starts_with(source_path, ?)
                """,
                [start, watch.name, root]
            )
        }
    }

    public func recordStable(
        _ files: [(FileObservation, metadata: String?)],
        watch: WatchConfig,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> [RecordedSource?] {
        try await write { session, pending in
            var results: [RecordedSource?] = []
            for (file, metadata) in files {
                let recorded = try await recordStable(
                    file,
                    watch: watch,
                    metadata: metadata,
                    policy: policy,
                    at: now,
                    session,
                    pending
                )
                results.append(recorded)
            }
            return results
        }
    }

    /// The row of this version of a file (`file` in the store's naming), if recorded.
    func sourceVersion(_ file: FileObservation, watch: WatchConfig, _ session: PostgresSession) async throws
        -> SourceFileRecord?
    {
        try await session.fetchOne(
            SourceFileRecord.self,
            """
            SELECT * FROM source_files
            WHERE path = ? AND watch_name = ? AND inode = ? AND size = ? AND mtime_ns = ? LIMIT 1
            """,
            [file.path, watch.name, file.inode, file.size, file.mtimeNs]
        )
    }

    func recordStable(
        _ local: FileObservation,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy,
        at now: Date,
        _ session: PostgresSession,
        _ pending: PendingUpdates
    ) async throws -> RecordedSource? {
        let file = local.stored(in: watch)
        try await session.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(?, 1))",
            [watch.name + "/" + file.path]
        )
        if let known = try await sourceVersion(file, watch: watch, session), let knownID = known.id {
            try await session.execute("UPDATE source_files SET last_seen_at = ? WHERE id = ?", [now, knownID])
            return nil
        }
        let source = SourceFileRecord(
            watchName: watch.name,
            path: file.path,
            device: file.device,
            inode: file.inode,
            size: file.size,
            mtimeNs: file.mtimeNs,
            at: now
        )
        guard let sourceId = try await session.insert(source, into: "source_files") else {
            throw StoreError.jobNotFound(0)
        }
        let new = NewJob(
            sourcePath: file.path,
            watchName: watch.name,
            profile: watch.profile,
            priority: watch.priority,
            sourceFileId: sourceId,
            metadata: metadata
        )
        let inserted = try await insertJob(new, at: now, session, pending)
        guard let id = inserted.id else { throw StoreError.jobNotFound(0) }
        let job = try await apply(.settled, toJob: id, policy: policy, at: now, session, pending)
        let older = try await session.fetchAll(
            JobRecord.self,
            "SELECT * FROM video_processing_jobs WHERE source_path = ? AND watch_name = ? AND id <> ? ORDER BY id",
            [file.path, watch.name, id]
        )
        var replaced: [Int64] = []
        for old in older where !old.state.isTerminal {
            guard let oldID = old.id else { continue }
            let reason = "source file replaced by a new version (job \(id))"
            _ = try await apply(.cancelled(reason: reason), toJob: oldID, policy: policy, at: now, session, pending)
            replaced.append(oldID)
        }
        return RecordedSource(sourceId: sourceId, job: job, replaced: replaced)
    }

    public func claimContent(_ sha256: String, job id: Int64, source sourceId: Int64, policy: RetryPolicy, at now: Date)
        async throws -> Int64?
    {
        try await write { session, pending in
            // Two copies hashed at the same moment on two agents: the lock makes one of them see the other.
            try await session.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 2))", [sha256])
            try await session.execute("UPDATE source_files SET sha256 = ? WHERE id = ?", [sha256, sourceId])
            try await session.execute(
                "UPDATE video_processing_jobs SET content_sha256 = ?, video_id = ? WHERE id = ?",
                [sha256, VideoID.from(sha256: sha256), id]
            )
            let original = try await session.scalar(
                Int64.self,
                """
                SELECT id FROM video_processing_jobs
                WHERE content_sha256 = ? AND id <> ? AND state NOT IN ('rejected', 'cancelled', 'duplicate')
                ORDER BY id LIMIT 1
                """,
                [sha256, id]
            )
            guard let original else { return nil }
            _ = try await apply(.duplicateOf(jobID: original), toJob: id, policy: policy, at: now, session, pending)
            return original
        }
    }

    public func queuedJobs(watch: String) async throws -> [JobRecord] {
        let states = JobState.queued
        return try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                "SELECT * FROM video_processing_jobs WHERE watch_name = ? AND state IN (\(marks(states.count)))",
                [watch] + states.map { $0 as any SQLBindable }
            )
        }
    }

    public func queuedJobs(watch: WatchConfig, under local: String) async throws -> [JobRecord] {
        let states = JobState.queued
        let path = watch.storedPath(local)
        let place = watch.isRoot(local) ? "" : "AND (source_path = ? OR starts_with(source_path, ?))"
        let arguments: [any SQLBindable] = watch.isRoot(local) ? [] : [path, path + "/"]
        return try await read { session in
            try await session.fetchAll(
                JobRecord.self,
                """
                SELECT * FROM video_processing_jobs
                WHERE watch_name = ? \(place) AND state IN (\(marks(states.count)))
                """,
                [watch.name] + arguments + states.map { $0 as any SQLBindable }
            )
        }
    }
}
