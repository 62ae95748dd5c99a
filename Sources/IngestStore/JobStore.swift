import Foundation
import IngestCore

/// The job store: jobs and their stages, source files, the upload journal, publications, CDN actions, analytics
/// and HTTP uploads. The daemon, the CLI and the API use only this interface; `SQLiteStore` (one agent, embedded)
/// and `PostgresStore` (a database several agents can share) implement it, and one test suite runs against both.
///
/// Every method is one transaction. Times are the caller's unless a method says otherwise.
public protocol JobStore: Sendable {
    /// Where the store lives, for logs and `status`: a file path, or a PostgreSQL URL without its password.
    var location: String { get }
    /// Every committed transition and progress tick of this process, for the scheduler and live status.
    var updates: JobUpdates { get }
    /// Whether other processes' changes reach `updates` too (PostgreSQL's NOTIFY); SQLite's do not, and a daemon
    /// on it has to look at the database to see them.
    var announcesChanges: Bool { get }
    /// The schema migrations applied, oldest first.
    func appliedMigrations() async throws -> [String]
    /// A trivial round trip: proves the store answers (to reads; whether writes go through is `writeHealth`).
    func ping() async throws
    /// The outcome of this process's recent writes: a database on a full disk answers reads, not writes.
    var writeHealth: WriteHealth { get }

    // MARK: Jobs and their state machine

    /// Creates a job in `discovered` with its first stage row.
    func insertJob(_ new: NewJob, at now: Date) async throws -> JobRecord
    /// Applies one event: the state machine decides, and the new state plus its stage row commit together.
    /// Throws `IllegalTransition` (nothing written) when the current state does not allow the event, and `LeaseLost`
    /// when `claim` is given and no longer held. Leaving the working states releases the job's claim.
    @discardableResult
    func apply(_ event: JobEvent, toJob id: Int64, policy: RetryPolicy, at now: Date, claim: JobClaim?) async throws
        -> JobRecord
    /// Records the running stage's percent and ETA (the transcoder reports them about once a second); with a claim,
    /// only while it is held.
    func setProgress(job id: Int64, percent: Double, etaSeconds: Double?, at now: Date, claim: JobClaim?) async throws
    func job(id: Int64) async throws -> JobRecord?
    /// A job's history, oldest first.
    func stages(ofJob id: Int64) async throws -> [StageRecord]
    /// Newest first, optionally only in one state.
    func jobs(state: JobState?, limit: Int) async throws -> [JobRecord]
    /// Failed jobs whose next attempt is due, oldest due first.
    func dueRetries(at now: Date, limit: Int) async throws -> [JobRecord]

    // MARK: Intake

    /// Every file version already recorded for a watch, with this machine's paths: start-up and overflow rescans
    /// skip these.
    func knownSourceVersions(watch: WatchConfig) async throws -> Set<FileObservation>
    /// Makes the absolute source paths of a watch's older rows relative to its folder (see `storedPath`).
    func relativizeSourcePaths(watch: WatchConfig) async throws
    /// Records files that held still for the settle time: source row and job each, moved straight to `stable`,
    /// in one transaction; results in the same order, nil for a version (watch, path relative to its folder, inode,
    /// size, mtime) already known. Unfinished jobs of an earlier version of the same path are cancelled: the file was replaced.
    func recordStable(
        _ files: [(FileObservation, metadata: String?)],
        watch: WatchConfig,
        policy: RetryPolicy,
        at now: Date
    )
        async throws -> [RecordedSource?]
    /// Stores the content hash on the source row and the job and, in the same transaction, links the job to the
    /// job that already has this content (not rejected, cancelled or itself a duplicate); returns that original's
    /// id. Of two copies checked at the same moment exactly one becomes the original.
    func claimContent(_ sha256: String, job id: Int64, source sourceId: Int64, policy: RetryPolicy, at now: Date)
        async throws -> Int64?
    /// Jobs of a watch still waiting for a worker: their sources may have vanished while the agent was down.
    func queuedJobs(watch: String) async throws -> [JobRecord]
    /// Jobs of `watch` still waiting whose source is `local` (this machine's path) or lies below it (a deleted file
    /// or folder).
    func queuedJobs(watch: WatchConfig, under local: String) async throws -> [JobRecord]
    /// Intake's checks passed: the job may run.
    func markChecked(job id: Int64, at now: Date) async throws
    func sourceFile(id: Int64) async throws -> SourceFileRecord?
    /// Records where `on_success` or `on_failure` moved the source (as `WatchConfig.storedPath` names it), so a later
    /// re-publish finds it.
    func moveSource(job id: Int64, to path: String) async throws

    // MARK: Claims (several agents on one store)

    /// Takes up to `limit` runnable jobs for `agent`, in `runnableJobs` order, each with a lease of `lease` and a
    /// fence one higher than before, in one statement: of agents claiming at once, each job goes to one. Times
    /// are the database's (PostgreSQL) or this process's (SQLite, one agent). With `watches`, only jobs this agent
    /// can open: of those watches, or with an absolute source path; a job of a watch no agent has waits.
    func claimJobs(agent: String, limit: Int, lease: Duration, uncheckedBefore: Date, watches: [String]?)
        async throws -> [JobClaim]
    /// Extends the leases of `claims` by `lease` from now; returns the ids whose claim is no longer held.
    func renewLeases(_ claims: [JobClaim], lease: Duration) async throws -> Set<Int64>
    /// Jobs whose lease ran out, whoever held them: a working one fails with "lease expired on agent NAME" (the
    /// attempt counts, backoff applies), one claimed but not started goes back to the queue.
    func rescueExpiredLeases(policy: RetryPolicy) async throws -> [RescuedJob]

    // MARK: Scheduling

    /// Queued jobs that intake has finished checking, in the order they run: watch priority (higher first), then
    /// age, then id, so a burst in one folder cannot pass a file of higher priority. Jobs recorded before
    /// `uncheckedBefore` run even without intake's mark (the agent stopped while checking them; the pipeline
    /// checks them itself). A job waiting for room (`next_attempt_at` on a queued job) waits until its time.
    func runnableJobs(limit: Int, excluding running: Set<Int64>, uncheckedBefore: Date, now: Date) async throws
        -> [JobRecord]
    /// Queued jobs held back because the machine had no room for them (`waitForRoom`), oldest first.
    func jobsWaitingForRoom() async throws -> [JobRecord]
    /// Jobs in a working state: at start-up these were interrupted by the agent's death.
    func activeJobs() async throws -> [JobRecord]
    /// The states of `ids` now (jobs another process may have cancelled).
    func states(of ids: Set<Int64>) async throws -> [Int64: JobState]
    /// When the earliest failed job with attempts left may be tried again.
    func nextRetryDue() async throws -> Date?
    /// The revision a run produces: kept while the job retries one publication, new once it was published.
    func setRevision(job id: Int64, _ revision: String, claim: JobClaim?) async throws
    /// The newest job of `videoId` that published (so a video is shown by its live publication).
    func publishedJob(videoId: String) async throws -> JobRecord?
    /// Jobs whose scratch folders must be kept: waiting, working, or failed with an attempt left.
    func jobsKeepingScratch() async throws -> Set<Int64>
    /// The last step of a publication, in one transaction: `revision` is the live one and the job is published.
    /// (Split in two, a crash between them would make the next run take the live revision for an old one.)
    @discardableResult
    func completePublication(job id: Int64, revision: String, policy: RetryPolicy, at now: Date, claim: JobClaim?)
        async throws -> JobRecord

    // MARK: The upload journal

    /// The unfinished multipart upload of exactly this file version to this key, if any (newest first).
    func resumableUpload(
        storeURL: String,
        objectKey: String,
        localPath: String,
        totalSize: Int64,
        sourceMtimeNs: Int64?
    )
        async throws -> UploadRecord?
    func insertUpload(_ upload: UploadRecord) async throws -> UploadRecord
    /// Commits one finished part and touches the upload, so an active upload never looks abandoned.
    func recordUploadPart(_ part: UploadPartRecord) async throws
    func uploadParts(ofUpload id: Int64) async throws -> [UploadPartRecord]
    /// Moves an upload to `state`; `completed` also records the object's ETag and completion time.
    func setUploadState(_ id: Int64, _ state: UploadRecord.State, etag: String?, at now: Date) async throws
    func upload(id: Int64) async throws -> UploadRecord?
    /// Multipart uploads `retry-sweep` should abort: marked abandoned, or still `uploading` with no progress
    /// since `cutoff`.
    func staleUploads(storeURL: String, updatedBefore cutoff: Date) async throws -> [UploadRecord]
    /// Every S3 upload id the journal knows for a store, whatever its state.
    func knownUploadIds(storeURL: String) async throws -> Set<String>
    /// True when exactly this content was already stored under `key` (full key) in this store.
    func objectStored(storeURL: String, key: String, sha256: String) async throws -> Bool
    /// Before an object is sent: from now on it may exist, so the clean-ups that list stored keys remove it even
    /// when the agent dies (or loses its job) before `recordStoredObject` lands.
    func recordIntendedObject(job: Int64?, storeURL: String, key: String, localPath: String, size: Int64, at now: Date)
        async throws
    /// The object is stored: its intent row (if any) becomes the completed record.
    func recordStoredObject(
        job: Int64?,
        storeURL: String,
        key: String,
        localPath: String,
        size: Int64,
        sha256: String,
        etag: String,
        at now: Date
    ) async throws
    /// Full keys stored (or maybe stored: an intent with no outcome) under `keyPrefix` and not deleted since: by one
    /// job (its unpublished revision, when it is cancelled), or by any (everything the agent put under a video's
    /// folder, when a publication replaces it).
    func storedKeys(job: Int64?, storeURL: String, keyPrefix: String) async throws -> [String]
    /// The objects under these full keys are gone from the store.
    func markDeleted(storeURL: String, keys: [String], at now: Date) async throws
    /// Marks a job's unfinished multipart uploads abandoned, for `retry-sweep` to abort on the server.
    func abandonUploads(job: Int64, at now: Date) async throws
    /// When the agent last finished writing an object to the store (the newest completed upload).
    func lastStoreWrite() async throws -> Date?

    // MARK: Publications, CDN actions, analytics

    /// Replaces the rows of `revision` for the job with these, in one transaction.
    func recordPublication(job id: Int64, revision: String, formats: [FormatRecord], thumbnails: [ThumbnailRecord])
        async throws
    func formats(job id: Int64, revision: String?) async throws -> [FormatRecord]
    func thumbnails(job id: Int64, revision: String?) async throws -> [ThumbnailRecord]
    /// The formats and thumbnails a job published in `revision`.
    func publishedOutputs(job id: Int64, revision: String) async throws -> (
        formats: [FormatRecord], thumbnails: [ThumbnailRecord]
    )
    @discardableResult
    func recordCDNAction(_ record: CDNActionRecord) async throws -> CDNActionRecord
    /// A retried action's new result.
    func updateCDNAction(_ record: CDNActionRecord) async throws
    func cdnActions(job id: Int64) async throws -> [CDNActionRecord]
    /// Actions that failed after their retries and have been tried fewer than `maxAttempts` times.
    func failedCDNActions(maxAttempts: Int, limit: Int) async throws -> [CDNActionRecord]
    func recordAnalytics(_ records: [AnalyticsRecord]) async throws
    func analytics(job id: Int64) async throws -> [AnalyticsRecord]

    // MARK: Status

    /// Counts overall and per watch, the oldest waiting job, the next retry and what finished since `cutoff`.
    func queueOverview(since cutoff: Date) async throws -> QueueOverview
    /// Job counts by state (for /metrics at scrape time).
    func jobCounts() async throws -> [JobState: Int]
    /// Jobs per watch, for `watch list`.
    func jobCountsByWatch() async throws -> [String: [JobState: Int]]
    /// One page of jobs, newest first. Keyset pagination on the id: `beforeID` is the last id of the previous
    /// page, so jobs inserted meanwhile (larger ids) never shift a page: nothing is skipped or repeated.
    func jobsPage(state: JobState?, watch: String?, beforeID: Int64?, limit: Int) async throws -> [JobRecord]
    /// Every job of a video (the original, its duplicates, re-ingests), newest first.
    func jobs(videoID: String) async throws -> [JobRecord]
    /// Jobs not finished (queued, running, failed), newest first: what a live view starts from.
    func unfinishedJobs(limit: Int) async throws -> [JobRecord]

    // MARK: Agents

    /// Records `agent` as started (host, version, slots, lease, a heartbeat now), creating its row or replacing
    /// the last run's; a quarantine outlives the restart, a drain does not. Returns the row as stored.
    func registerAgent(_ agent: AgentRecord) async throws -> AgentRecord
    /// The agent's heartbeat, by the store's clock; returns its row as an admin may have changed it (drain,
    /// release), nil when the row is gone.
    func agentHeartbeat(name: String) async throws -> AgentRecord?
    /// Sets an agent's state and its reason; false when no agent has that name.
    func setAgentState(name: String, _ state: AgentRecord.State, reason: String?) async throws -> Bool
    /// A clean stop: the agent is shown as gone at once.
    func agentStopped(name: String) async throws
    /// Every agent with the jobs it holds now, by name.
    func agentStatuses() async throws -> [AgentStatus]

    /// Runs `body` holding the lock `name` across every process on this store (every agent of a fleet, cron's
    /// commands), or returns nil at once when another holds it. Released when `body` ends or the process dies.
    func exclusively<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T?

    // MARK: HTTP uploads (tus and the chunked upload API)

    func insertHTTPUpload(_ upload: HTTPUploadRecord) async throws
    func httpUpload(id: String) async throws -> HTTPUploadRecord?
    /// Records bytes that are already on disk and fsynced. Only moves forward from `expected`, so a stale writer
    /// cannot move the offset back; returns false when the row was not at `expected` any more.
    func advanceHTTPUpload(id: String, from expected: Int64, to received: Int64, expiresAt: Date, at now: Date)
        async throws -> Bool
    /// Moves an upload to `state` (and records where its file went, its job, or why it failed).
    func setHTTPUploadState(
        id: String,
        _ state: HTTPUploadRecord.State,
        finalPath: String?,
        jobId: Int64?,
        error: String?,
        at now: Date
    ) async throws
    /// Uploads in `state`, oldest first (start-up resumes `received` hand-offs).
    func httpUploads(in state: HTTPUploadRecord.State, limit: Int) async throws -> [HTTPUploadRecord]
    /// Incomplete uploads whose expiry has passed.
    func expiredHTTPUploads(at now: Date, limit: Int) async throws -> [HTTPUploadRecord]
    /// Marks an incomplete upload expired, unless a client finished or resumed it meanwhile; true when it did.
    func expireHTTPUpload(id: String, at now: Date) async throws -> Bool
    /// Handed-off uploads whose job still waits for intake's checks: the agent stopped between recording the job
    /// and checking it.
    func httpUploadsAwaitingChecks() async throws -> [HTTPUploadRecord]
    /// Records an uploaded file moved into its watch folder: source row and job (`stable`) as for a settled file,
    /// and the upload `handed_off` with its job, in one transaction. When the watcher recorded this exact file
    /// version first, its job is adopted instead (`recorded` false): one file, one job, whoever saw it first.
    func recordUploadedFile(
        _ file: FileObservation,
        upload id: String,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> (job: JobRecord, sourceId: Int64, recorded: Bool)
}

/// The usual arguments: now, no revision filter, a thousand rows.
extension JobStore {
    /// Claims from every watch.
    public func claimJobs(agent: String, limit: Int, lease: Duration, uncheckedBefore: Date) async throws
        -> [JobClaim]
    {
        try await claimJobs(agent: agent, limit: limit, lease: lease, uncheckedBefore: uncheckedBefore, watches: nil)
    }

    /// What `reel-ingest status` shows: the overview's counts, oldest waiting job and next retry.
    public func queueStatus() async throws -> QueueStatus {
        let overview = try await queueOverview(since: .distantFuture)
        return QueueStatus(
            counts: overview.counts,
            oldestWaiting: overview.oldestWaiting,
            nextRetryAt: overview.nextRetryAt
        )
    }

    public func insertJob(_ new: NewJob) async throws -> JobRecord { try await insertJob(new, at: Date()) }

    @discardableResult
    public func apply(_ event: JobEvent, toJob id: Int64, policy: RetryPolicy, claim: JobClaim? = nil) async throws
        -> JobRecord
    {
        try await apply(event, toJob: id, policy: policy, at: Date(), claim: claim)
    }

    @discardableResult
    public func apply(_ event: JobEvent, toJob id: Int64, policy: RetryPolicy, at now: Date) async throws -> JobRecord {
        try await apply(event, toJob: id, policy: policy, at: now, claim: nil)
    }

    public func setProgress(job id: Int64, percent: Double, etaSeconds: Double?, claim: JobClaim? = nil) async throws {
        try await setProgress(job: id, percent: percent, etaSeconds: etaSeconds, at: Date(), claim: claim)
    }

    public func setProgress(job id: Int64, percent: Double, etaSeconds: Double?, at now: Date) async throws {
        try await setProgress(job: id, percent: percent, etaSeconds: etaSeconds, at: now, claim: nil)
    }

    public func setRevision(job id: Int64, _ revision: String) async throws {
        try await setRevision(job: id, revision, claim: nil)
    }

    public func jobs(limit: Int) async throws -> [JobRecord] { try await jobs(state: nil, limit: limit) }

    public func dueRetries(at now: Date) async throws -> [JobRecord] { try await dueRetries(at: now, limit: 1000) }

    public func recordStable(_ file: FileObservation, watch: WatchConfig, metadata: String?, policy: RetryPolicy)
        async throws -> RecordedSource?
    {
        try await recordStable(file, watch: watch, metadata: metadata, policy: policy, at: Date())
    }

    public func recordStable(
        _ file: FileObservation,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy,
        at now: Date
    ) async throws -> RecordedSource? {
        try await recordStable([(file, metadata)], watch: watch, policy: policy, at: now)[0]
    }

    public func recordStable(_ files: [(FileObservation, metadata: String?)], watch: WatchConfig, policy: RetryPolicy)
        async throws -> [RecordedSource?]
    {
        try await recordStable(files, watch: watch, policy: policy, at: Date())
    }

    public func claimContent(_ sha256: String, job id: Int64, source sourceId: Int64, policy: RetryPolicy)
        async throws -> Int64?
    {
        try await claimContent(sha256, job: id, source: sourceId, policy: policy, at: Date())
    }

    public func markChecked(job id: Int64) async throws { try await markChecked(job: id, at: Date()) }

    public func runnableJobs(limit: Int, excluding running: Set<Int64>, uncheckedBefore: Date) async throws
        -> [JobRecord]
    {
        try await runnableJobs(limit: limit, excluding: running, uncheckedBefore: uncheckedBefore, now: Date())
    }

    @discardableResult
    public func completePublication(job id: Int64, revision: String, policy: RetryPolicy, claim: JobClaim? = nil)
        async throws -> JobRecord
    {
        try await completePublication(job: id, revision: revision, policy: policy, at: Date(), claim: claim)
    }

    @discardableResult
    public func completePublication(job id: Int64, revision: String, policy: RetryPolicy, at now: Date) async throws
        -> JobRecord
    {
        try await completePublication(job: id, revision: revision, policy: policy, at: now, claim: nil)
    }

    public func setUploadState(_ id: Int64, _ state: UploadRecord.State, at now: Date) async throws {
        try await setUploadState(id, state, etag: nil, at: now)
    }

    public func recordIntendedObject(job: Int64?, storeURL: String, key: String, localPath: String, size: Int64)
        async throws
    {
        try await recordIntendedObject(
            job: job,
            storeURL: storeURL,
            key: key,
            localPath: localPath,
            size: size,
            at: Date()
        )
    }

    public func recordStoredObject(
        job: Int64?,
        storeURL: String,
        key: String,
        localPath: String,
        size: Int64,
        sha256: String,
        etag: String
    ) async throws {
        try await recordStoredObject(
            job: job,
            storeURL: storeURL,
            key: key,
            localPath: localPath,
            size: size,
            sha256: sha256,
            etag: etag,
            at: Date()
        )
    }

    public func markDeleted(storeURL: String, keys: [String]) async throws {
        try await markDeleted(storeURL: storeURL, keys: keys, at: Date())
    }

    public func abandonUploads(job: Int64) async throws { try await abandonUploads(job: job, at: Date()) }

    public func formats(job id: Int64) async throws -> [FormatRecord] { try await formats(job: id, revision: nil) }

    public func thumbnails(job id: Int64) async throws -> [ThumbnailRecord] {
        try await thumbnails(job: id, revision: nil)
    }

    public func failedCDNActions(maxAttempts: Int) async throws -> [CDNActionRecord] {
        try await failedCDNActions(maxAttempts: maxAttempts, limit: 1000)
    }

    public func advanceHTTPUpload(id: String, from expected: Int64, to received: Int64, expiresAt: Date)
        async throws -> Bool
    {
        try await advanceHTTPUpload(id: id, from: expected, to: received, expiresAt: expiresAt, at: Date())
    }

    public func setHTTPUploadState(
        id: String,
        _ state: HTTPUploadRecord.State,
        finalPath: String? = nil,
        jobId: Int64? = nil,
        error: String? = nil
    ) async throws {
        try await setHTTPUploadState(id: id, state, finalPath: finalPath, jobId: jobId, error: error, at: Date())
    }

    public func httpUploads(in state: HTTPUploadRecord.State) async throws -> [HTTPUploadRecord] {
        try await httpUploads(in: state, limit: 1000)
    }

    public func expiredHTTPUploads(at now: Date) async throws -> [HTTPUploadRecord] {
        try await expiredHTTPUploads(at: now, limit: 1000)
    }

    public func expireHTTPUpload(id: String) async throws -> Bool { try await expireHTTPUpload(id: id, at: Date()) }

    public func recordUploadedFile(
        _ file: FileObservation,
        upload id: String,
        watch: WatchConfig,
        metadata: String?,
        policy: RetryPolicy
    ) async throws -> (job: JobRecord, sourceId: Int64, recorded: Bool) {
        try await recordUploadedFile(file, upload: id, watch: watch, metadata: metadata, policy: policy, at: Date())
    }
}
