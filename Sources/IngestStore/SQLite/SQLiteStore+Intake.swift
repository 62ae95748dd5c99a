import Foundation
import GRDB
import IngestCore

extension SQLiteStore {
    /// Every file version already recorded for a watch: start-up and overflow rescans skip these without
    /// queueing them again.
    public func knownSourceVersions(watch: WatchConfig) async throws -> Set<FileObservation> {
        try await pool.read { db in
            let rows = try SourceFileRecord.filter(Column("watch_name") == watch.name).fetchAll(db)
            return Set(rows.map { $0.observation(in: watch) })
        }
    }

    /// Rows written while paths were absolute, made relative to the watch's folder; a no-op once done.
    public func relativizeSourcePaths(watch: WatchConfig) async throws {
        let root = watch.path.hasSuffix("/") ? watch.path : watch.path + "/"
        let pattern = Self.likePrefix(root) + "%"
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE source_files SET path = substr(path, ?) WHERE watch_name = ? AND path LIKE ? ESCAPE '\\';
                    UPDATE video_processing_jobs SET source_path = substr(source_path, ?)
                    WHERE watch_name = ? AND source_path LIKE ? ESCAPE '\\';
                    """,
                arguments: [
                    root.unicodeScalars.count + 1, watch.name, pattern, root.unicodeScalars.count + 1, watch.name,
                    pattern,
                ]
            )
        }
    }

    /// `recordStable` for files that settled together: one transaction for all, results in the same order.
    public func recordStable(
        _ files: [(FileObservation, metadata: String?)],
        watch: WatchConfig,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> [RecordedSource?] {
        try await write { db in
            try files.map { file, metadata in
                try self.recordStable(file, watch: watch, metadata: metadata, policy: policy, at: now, db: db)
            }
        }
    }

    func recordStable(
        _ local: FileObservation,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy,
        at now: Date,
        db: Database
    ) throws -> RecordedSource? {
        let file = local.stored(in: watch)
        if var known = try sourceVersion(file, watch: watch, db: db) {
            known.lastSeenAt = now
            try known.update(db)
            return nil
        }
        var source = SourceFileRecord(
            watchName: watch.name,
            path: file.path,
            device: file.device,
            inode: file.inode,
            size: file.size,
            mtimeNs: file.mtimeNs,
            at: now
        )
        try source.insert(db)
        guard let sourceId = source.id else { throw StoreError.jobNotFound(0) }
        let new = NewJob(
            sourcePath: file.path,
            watchName: watch.name,
            profile: watch.profile,
            priority: watch.priority,
            sourceFileId: sourceId,
            metadata: metadata
        )
        let inserted = try insertJob(new, at: now, db: db)
        guard let id = inserted.id else { throw StoreError.jobNotFound(0) }
        let job = try apply(.settled, toJob: id, policy: policy, at: now, db: db)
        let older = try JobRecord.filter(
            Column("source_path") == file.path && Column("watch_name") == watch.name && Column("id") != id
        ).fetchAll(db)
        var replaced: [Int64] = []
        for old in older where !old.state.isTerminal {
            guard let oldID = old.id else { continue }
            let reason = "source file replaced by a new version (job \(id))"
            _ = try apply(.cancelled(reason: reason), toJob: oldID, policy: policy, at: now, db: db)
            replaced.append(oldID)
        }
        return RecordedSource(sourceId: sourceId, job: job, replaced: replaced)
    }

    /// The row of this version of a file (`file` in the store's naming), if recorded.
    func sourceVersion(_ file: FileObservation, watch: WatchConfig, db: Database) throws -> SourceFileRecord? {
        try SourceFileRecord
            .filter(
                Column("path") == file.path && Column("watch_name") == watch.name && Column("inode") == file.inode
                    && Column("size") == file.size && Column("mtime_ns") == file.mtimeNs
            )
            .fetchOne(db)
    }

    /// Stores the content hash on the source row and the job and, in the same write transaction, links the
    /// job to the job that already has this content (not rejected, cancelled or itself a duplicate).
    /// Returns that original's id. SQLite serialises writers, so of two copies checked at the same moment
    /// exactly one becomes the original.
    public func claimContent(
        _ sha256: String,
        job id: Int64,
        source sourceId: Int64,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> Int64? {
        try await write { db in
            try db.execute(sql: "UPDATE source_files SET sha256 = ? WHERE id = ?", arguments: [sha256, sourceId])
            try db.execute(
                sql: "UPDATE video_processing_jobs SET content_sha256 = ?, video_id = ? WHERE id = ?",
                arguments: [sha256, VideoID.from(sha256: sha256), id]
            )
            let original =
                try JobRecord
                .filter(Column("content_sha256") == sha256 && Column("id") != id)
                .filter(![JobState.rejected, .cancelled, .duplicate].map(\.rawValue).contains(Column("state")))
                .order(Column("id"))
                .fetchOne(db)
            guard let originalID = original?.id else { return nil }
            _ = try self.apply(.duplicateOf(jobID: originalID), toJob: id, policy: policy, at: now, db: db)
            return originalID
        }
    }

    /// Jobs of a watch still waiting for a worker: their sources may have vanished while the agent was down.
    public func queuedJobs(watch: String) async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord
                .filter(Column("watch_name") == watch)
                .filter(JobState.queued.map(\.rawValue).contains(Column("state")))
                .fetchAll(db)
        }
    }

    /// Jobs still waiting whose source is `local` or lies below it (a deleted file or folder).
    public func queuedJobs(watch: WatchConfig, under local: String) async throws -> [JobRecord] {
        let path = watch.storedPath(local)
        let wholeWatch = watch.isRoot(local)
        return try await pool.read { db in
            try JobRecord
                .filter(Column("watch_name") == watch.name)
                .filter(
                    wholeWatch || Column("source_path") == path
                        || Column("source_path").like(Self.likePrefix(path) + "/%", escape: "\\")
                )
                .filter(JobState.queued.map(\.rawValue).contains(Column("state")))
                .fetchAll(db)
        }
    }

    static func likePrefix(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
