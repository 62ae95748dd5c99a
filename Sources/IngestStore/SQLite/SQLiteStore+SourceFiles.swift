import Foundation
import GRDB
import IngestCore

extension SQLiteStore {
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
