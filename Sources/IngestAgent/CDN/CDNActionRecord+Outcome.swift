import Foundation
import IngestPublish
import IngestStore

/// How a CDN request's outcome is written to its `video_cdn_cache` row: by the pipeline (a new row) and by
/// `retry-sweep` (the same row, tried again).
extension CDNActionRecord {
    /// The row of an action the pipeline has just run.
    init(jobId: Int64, revision: String, outcome: CDNOutcome, at now: Date) {
        self.init(jobId: jobId, url: outcome.action.target, action: outcome.action.name, revision: revision, at: now)
        attempts = 0
        record(outcome, at: now)
    }

    /// One more run of the action: its tries add up; status, HTTP status, cache status and error are the latest.
    mutating func record(_ outcome: CDNOutcome, at now: Date) {
        attempts += outcome.attempts
        status = outcome.succeeded ? .ok : .failed
        httpStatus = outcome.status
        cacheStatus = outcome.cacheStatus
        error = outcome.error
        updatedAt = now
    }
}
