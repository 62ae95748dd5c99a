import Foundation
import IngestCore

/// The rows a new job and each of its events write, computed once for both stores: the stores only read and
/// write them.
extension JobRecord {
    /// A job in `discovered`, not yet inserted.
    static func discovered(_ new: NewJob, at now: Date) -> JobRecord {
        JobRecord(
            id: nil,
            // A placeholder until the content hash is known (`claimContent` sets the content-derived id).
            videoId: UUID().uuidString.lowercased(),
            sourceFileId: new.sourceFileId,
            sourcePath: new.sourcePath,
            watchName: new.watchName,
            profile: new.profile,
            priority: new.priority,
            state: .discovered,
            attempts: 0,
            metadata: new.metadata,
            createdAt: now,
            updatedAt: now
        )
    }

    /// The first stage row and update of a job just inserted with `id`.
    func discoveredRows(id: Int64, at now: Date) -> (stage: StageRecord, update: JobUpdate) {
        let stage = StageRecord(
            jobId: id,
            fromState: nil,
            toState: .discovered,
            event: "discovered",
            attempt: 0,
            message: sourcePath,
            createdAt: now
        )
        let update = JobUpdate(
            kind: .transition,
            jobId: id,
            videoId: videoId,
            state: .discovered,
            event: "discovered",
            message: sourcePath,
            attempts: 0,
            sourcePath: sourcePath,
            watchName: watchName,
            at: now
        )
        return (stage, update)
    }
}

/// What one event changes: the job row, the open stage it closes, the stage row it opens, and the update
/// subscribers hear once it committed.
struct AppliedEvent {
    struct ClosedStage {
        var state: JobState
        var outcome: String
        var error: String?
    }

    var job: JobRecord
    var closed: ClosedStage?
    var stage: StageRecord
    var update: JobUpdate

    /// The state machine decides; throws `IllegalTransition` when the job's state does not allow the event.
    init(_ event: JobEvent, to current: JobRecord, id: Int64, policy: RetryPolicy, at now: Date, claim: JobClaim?)
        throws
    {
        if let claim, !claim.holds(current) { throw LeaseLost(jobId: id, agent: claim.agent) }
        var job = current
        var lifecycle = job.lifecycle
        let transition = try lifecycle.apply(event, at: now, policy: policy)
        job.adopt(lifecycle, at: now)
        if case .retry(manual: true) = event, job.checkedAt == nil {
            // An admin's retry vouches for the file (rejected by intake before its checks finished, say): the
            // pipeline's own probe stage checks it again.
            job.checkedAt = now
        }
        if transition.from.isActive || transition.to.isActive {
            // Progress belongs to the stage that just ended.
            job.progress = nil
            job.etaSeconds = nil
        }
        job.releaseClaimIfIdle()
        self.job = job
        if transition.from.isActive {
            let outcome: String
            switch transition.to {
            case .failed: outcome = "failed"
            case .cancelled: outcome = "cancelled"
            case .rejected: outcome = "rejected"
            case .stable:
                if case .waitForRoom = event { outcome = "waiting" } else { outcome = "interrupted" }
            default: outcome = "ok"
            }
            closed = ClosedStage(
                state: transition.from,
                outcome: outcome,
                error: outcome == "ok" ? nil : transition.message
            )
        }
        stage = StageRecord(
            jobId: id,
            fromState: transition.from,
            toState: transition.to,
            event: transition.event,
            attempt: transition.attempt,
            message: transition.message,
            createdAt: now
        )
        update = JobUpdate(
            kind: .transition,
            jobId: id,
            videoId: job.videoId,
            state: transition.to,
            from: transition.from,
            event: transition.event,
            message: transition.message,
            attempts: transition.attempt,
            sourcePath: job.sourcePath,
            watchName: job.watchName,
            at: now
        )
    }

    /// Ends the open stage row of the state left: when, how, and the error if it did not end well.
    static let closeStageSQL = """
        UPDATE video_processing_stages SET finished_at = ?, outcome = ?, error = ?
        WHERE id = (SELECT MAX(id) FROM video_processing_stages WHERE job_id = ? AND to_state = ?)
            AND finished_at IS NULL
        """

    func closeStageArguments(id: Int64, at now: Date) -> [any SQLBindable]? {
        guard let closed else { return nil }
        return [now, closed.outcome, closed.error, id, closed.state]
    }
}

extension JobUpdate {
    /// A progress tick of `job`.
    static func progress(of job: JobRecord, id: Int64, percent: Double, etaSeconds: Double?, at now: Date) -> JobUpdate
    {
        JobUpdate(
            kind: .progress,
            jobId: id,
            videoId: job.videoId,
            state: job.state,
            percent: percent,
            etaSeconds: etaSeconds,
            attempts: job.attempts,
            sourcePath: job.sourcePath,
            watchName: job.watchName,
            at: now
        )
    }
}

extension JobRecord {
    /// Every column, in coding key order: a query that selects this list may read the row by position.
    static let columnList = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")

    /// One keyset page of the job list, newest first, written once for both stores: `id < beforeID` walks the
    /// primary key, so a page costs the same however deep it is. The columns come in `columnList` order.
    static func page(state: JobState?, watch: String?, beforeID: Int64?, limit: Int) -> (
        sql: String, arguments: [any SQLBindable]
    ) {
        var conditions: [String] = []
        var arguments: [any SQLBindable] = []
        if let state {
            conditions.append("state = ?")
            arguments.append(state)
        }
        if let watch {
            conditions.append("watch_name = ?")
            arguments.append(watch)
        }
        if let beforeID {
            conditions.append("id < ?")
            arguments.append(beforeID)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") + " "
        return ("SELECT \(columnList) FROM \(databaseTableName) \(filter)ORDER BY id DESC LIMIT ?", arguments + [limit])
    }
}
