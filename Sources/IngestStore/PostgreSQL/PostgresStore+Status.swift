import Foundation
import IngestCore

/// Counts and views for `status`, the status API and `/metrics`.
extension PostgresStore {
    public func queueOverview(since cutoff: Date) async throws -> QueueOverview {
        try await read { session in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            var perWatch: [String?: [JobState: Int]] = [:]
            for row in try await session.rows(
                "SELECT state, watch_name, COUNT(*) FROM video_processing_jobs GROUP BY state, watch_name"
            ) {
                guard let state = try session.decode(String.self, row[0]).flatMap(JobState.init(rawValue:)) else {
                    continue
                }
                let n = Int(try session.decode(Int64.self, row[2]) ?? 0)
                counts[state, default: 0] += n
                perWatch[try session.decode(String.self, row[1]), default: [:]][state, default: 0] += n
            }
            let oldest = try await session.fetchOne(
                JobRecord.self,
                "SELECT * FROM video_processing_jobs WHERE state IN (\(marks(JobState.queued.count))) ORDER BY created_at LIMIT 1",
                JobState.queued
            )
            let nextRetry = try await session.scalar(
                Date.self,
                """
                SELECT next_attempt_at FROM video_processing_jobs
                WHERE state = 'failed' AND next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1
                """
            )
            var finished: [JobState: Int] = [:]
            for state in JobState.allCases where state.isTerminal { finished[state] = 0 }
            for row in try await session.rows(
                "SELECT state, COUNT(*) FROM video_processing_jobs WHERE finished_at >= ? GROUP BY state",
                [cutoff]
            ) {
                if let state = try session.decode(String.self, row[0]).flatMap(JobState.init(rawValue:)),
                    state.isTerminal
                {
                    finished[state] = Int(try session.decode(Int64.self, row[1]) ?? 0)
                }
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

    public func jobCounts() async throws -> [JobState: Int] {
        try await read { session in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try await session.rows("SELECT state, COUNT(*) FROM video_processing_jobs GROUP BY state") {
                if let state = try session.decode(String.self, row[0]).flatMap(JobState.init(rawValue:)) {
                    counts[state] = Int(try session.decode(Int64.self, row[1]) ?? 0)
                }
            }
            return counts
        }
    }

    public func jobCountsByWatch() async throws -> [String: [JobState: Int]] {
        try await read { session in
            var result: [String: [JobState: Int]] = [:]
            for row in try await session.rows(
                "SELECT watch_name, state, COUNT(*) FROM video_processing_jobs GROUP BY watch_name, state"
            ) {
                guard let name = try session.decode(String.self, row[0]),
                    let state = try session.decode(String.self, row[1]).flatMap(JobState.init(rawValue:))
                else { continue }
                result[name, default: [:]][state] = Int(try session.decode(Int64.self, row[2]) ?? 0)
            }
            return result
        }
    }
}
