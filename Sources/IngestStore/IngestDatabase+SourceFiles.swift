import Foundation
import GRDB
import IngestCore

extension IngestDatabase {
    /// Records a file seen in a watched folder. A version already recorded (same path, device, inode,
    /// size, mtime) only has its last-seen time bumped and returns nil; a new one gets a source row
    /// and a `discovered` job in the same transaction.
    public func recordObservation(
        _ file: FileObservation,
        watch: WatchConfig,
        at now: Date = Date()
    ) async throws -> JobRecord? {
        try await pool.write { db in
            let known =
                try SourceFileRecord
                .filter(
                    Column("path") == file.path && Column("device") == file.device && Column("inode") == file.inode
                        && Column("size") == file.size && Column("mtime_ns") == file.mtimeNs
                )
                .fetchOne(db)
            if var known {
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
            let new = NewJob(
                sourcePath: file.path,
                watchName: watch.name,
                profile: watch.profile,
                priority: watch.priority,
                sourceFileId: source.id
            )
            return try Self.insertJob(new, at: now, db: db)
        }
    }

    /// Jobs per watch, for `watch list`.
    public func jobCountsByWatch() async throws -> [String: [JobState: Int]] {
        try await pool.read { db in
            var result: [String: [JobState: Int]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT watch_name, state, COUNT(*) AS n FROM video_processing_jobs GROUP BY watch_name, state"
            )
            for row in rows {
                guard let name: String = row["watch_name"], let state = JobState(rawValue: row["state"]) else {
                    continue
                }
                result[name, default: [:]][state] = row["n"]
            }
            return result
        }
    }
}
