import Foundation
import GRDB
import IngestCore

extension SQLiteStore {
    /// One page of jobs, newest first. Keyset pagination on the id: `beforeID` is the last id of the previous
    /// page, so jobs inserted meanwhile (larger ids) never shift a page: nothing is skipped or repeated.
    public func jobsPage(state: JobState?, watch: String?, beforeID: Int64?, limit: Int) async throws -> [JobRecord] {
        let page = JobRecord.page(state: state, watch: watch, beforeID: beforeID, limit: limit)
        return try await pool.read { db in
            // A cached statement (the page's few SQL shapes compile once per connection), read by position.
            let statement = try db.cachedStatement(sql: page.sql)
            let rows = try Row.fetchCursor(statement, arguments: StatementArguments(sql: page.arguments))
            var jobs: [JobRecord] = []
            try rows.forEach { jobs.append(try JobRecord(rowInColumnOrder: $0)) }
            return jobs
        }
    }

    /// Every job of a video (the original, its duplicates, re-ingests), newest first.
    public func jobs(videoID: String) async throws -> [JobRecord] {
        try await pool.read { db in
            try JobRecord.filter(Column("video_id") == videoID).order(Column("id").desc).fetchAll(db)
        }
    }

    /// The formats and thumbnails a job published in `revision`.
    public func publishedOutputs(job id: Int64, revision: String) async throws -> (
        formats: [FormatRecord], thumbnails: [ThumbnailRecord]
    ) {
        try await pool.read { db in
            let formats = try FormatRecord.filter(Column("job_id") == id && Column("revision") == revision)
                .order(Column("id")).fetchAll(db)
            let thumbnails = try ThumbnailRecord.filter(Column("job_id") == id && Column("revision") == revision)
                .order(Column("id")).fetchAll(db)
            return (formats, thumbnails)
        }
    }

    /// Counts overall and per watch, the oldest waiting job, the next retry and what finished since `cutoff`, in one
    /// read: one pass over the (state, watch) index, then index probes.
    public func queueOverview(since cutoff: Date) async throws -> QueueOverview {
        try await pool.read { db in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            var perWatch: [String?: [JobState: Int]] = [:]
            // Covered by jobs_on_state_watch: the index alone answers, the table is not read.
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT state, watch_name, COUNT(*) AS n FROM video_processing_jobs GROUP BY state, watch_name"
            )
            for row in rows {
                guard let state = JobState(rawValue: row["state"]) else { continue }
                let n: Int = row["n"]
                counts[state, default: 0] += n
                perWatch[row["watch_name"] as String?, default: [:]][state, default: 0] += n
            }
            var oldest: JobRecord? = nil
            for state in JobState.queued {
                let candidate = try JobRecord.filter(Column("state") == state.rawValue)
                    .order(Column("created_at")).limit(1).fetchOne(db)
                if let candidate, oldest.map({ candidate.createdAt < $0.createdAt }) ?? true { oldest = candidate }
            }
            let nextRetry = try Date.fetchOne(
                db,
                sql: """
                    SELECT next_attempt_at FROM video_processing_jobs
                    WHERE state = 'failed' AND next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1
                    """
            )
            var finished: [JobState: Int] = [:]
            for state in JobState.allCases where state.isTerminal {
                finished[state] =
                    try Int.fetchOne(
                        db,
                        sql: "SELECT COUNT(*) FROM video_processing_jobs WHERE state = ? AND finished_at >= ?",
                        arguments: [state.rawValue, cutoff]
                    ) ?? 0
            }
            return QueueOverview(
                counts: counts,
                perWatch: perWatch,
                oldestWaiting: oldest,
                nextRetryAt: nextRetry,
                finishedSince: finished
            )
        }
    }

    /// Job counts by state (for /metrics at scrape time).
    public func jobCounts() async throws -> [JobState: Int] {
        try await pool.read { db in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(
                db,
                sql: "SELECT state, COUNT(*) AS n FROM video_processing_jobs GROUP BY state"
            ) {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// A trivial read through the pool: proves the database file opens and answers.
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// When the agent last finished writing an object to the store (the newest completed upload).
    public func lastStoreWrite() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(db, sql: "SELECT MAX(completed_at) FROM video_uploads WHERE completed_at IS NOT NULL")
        }
    }
}

extension SQLiteStore {
    /// Jobs not finished (queued, running, failed), newest first: what a live view starts from.
    public func unfinishedJobs(limit: Int) async throws -> [JobRecord] {
        try await pool.read { db in
            let states = JobState.allCases.filter { !$0.isTerminal }.map(\.rawValue)
            return try JobRecord.filter(states.contains(Column("state"))).order(Column("id").desc).limit(limit)
                .fetchAll(db)
        }
    }
}
