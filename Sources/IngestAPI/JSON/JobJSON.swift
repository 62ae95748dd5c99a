import Foundation
import IngestCore
import IngestStore

/// A job as the queue, the job list and the live feed show it.
struct JobJSON: Encodable, Sendable {
    var id: Int64
    var videoId: String
    var state: JobState
    /// The working state (probing ... distributing) while one runs.
    var stage: JobState?
    var percent: Double?
    var etaSeconds: Double?
    var attempts: Int
    var nextAttemptAt: Date?
    var error: String?
    var failedIn: JobState?
    var title: String?
    var filename: String
    var source: String
    var watch: String?
    var duplicateOf: Int64?
    var revision: String?
    var publishedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    /// The agent holding the job now (working on it, or about to).
    var agent: String?

    /// `config`: the source is shown as this agent sees it (under its own folder for the job's watch).
    init(_ job: JobRecord, config: AgentConfig) {
        id = job.id ?? 0
        videoId = job.videoId
        state = job.state
        stage = job.state.isActive ? job.state : nil
        percent = job.progress
        etaSeconds = job.etaSeconds
        attempts = job.attempts
        nextAttemptAt = job.nextAttemptAt
        error = job.lastError
        failedIn = job.failedIn
        title = Self.metadata(job)["title"].flatMap { if case .string(let s) = $0 { s } else { nil } }
        // Bytes of the name that are not UTF-8 read `\xHH` (the exact path stays in the store).
        // (The last component by hand: NSString's path handling was a tenth of a job list request's time.)
        let path = job.sourcePath
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        filename = String(path[nameStart...]).readablePath
        source = config.readableSource(job.sourcePath, watch: job.watchName)
        watch = job.watchName
        duplicateOf = job.duplicateOf
        revision = job.publishedRevision
        publishedAt = job.publishedAt
        createdAt = job.createdAt
        updatedAt = job.updatedAt
        agent = job.claimedBy
    }

    static func metadata(_ job: JobRecord) -> [String: JSONValue] {
        guard let text = job.metadata,
            let object = try? JSONResponse.decoder.decode([String: JSONValue].self, from: Data(text.utf8))
        else { return [:] }
        return object
    }
}

/// One WebSocket event: a committed transition or a progress tick, or the state a client starts from.
struct JobEventJSON: Encodable, Sendable {
    var type: String
    var jobId: Int64
    var videoId: String
    var state: JobState
    var from: JobState?
    var event: String?
    var message: String?
    var percent: Double?
    var etaSeconds: Double?
    var attempts: Int
    var source: String
    var watch: String?
    var at: Date
    /// The whole job, on `snapshot` events.
    var job: JobJSON?

    init(_ update: JobUpdate, config: AgentConfig) {
        type = update.kind.rawValue
        jobId = update.jobId
        videoId = update.videoId
        state = update.state
        from = update.from
        event = update.event
        message = update.message
        percent = update.percent
        etaSeconds = update.etaSeconds
        attempts = update.attempts
        source = config.readableSource(update.sourcePath, watch: update.watchName)
        watch = update.watchName
        at = update.at
    }

    init(snapshot job: JobRecord, config: AgentConfig) {
        type = "snapshot"
        jobId = job.id ?? 0
        videoId = job.videoId
        state = job.state
        message = job.lastError
        percent = job.progress
        etaSeconds = job.etaSeconds
        attempts = job.attempts
        source = config.readableSource(job.sourcePath, watch: job.watchName)
        watch = job.watchName
        at = job.updatedAt
        self.job = JobJSON(job, config: config)
    }
}

extension JobJSON {
    /// The same object its `Encodable` conformance gives `JSONResponse.encoder`, written directly (keys sorted).
    func write(into json: inout JSONBytes) {
        json.beginObject()
        json.field("agent", agent)
        json.key("attempts")
        json.integer(attempts)
        json.field("createdAt", createdAt)
        json.field("duplicateOf", duplicateOf)
        json.field("error", error)
        json.field("etaSeconds", etaSeconds)
        json.field("failedIn", failedIn?.rawValue)
        json.field("filename", filename)
        json.field("id", id)
        json.field("nextAttemptAt", nextAttemptAt)
        json.field("percent", percent)
        json.field("publishedAt", publishedAt)
        json.field("revision", revision)
        json.field("source", source)
        json.field("stage", stage?.rawValue)
        json.field("state", state.rawValue)
        json.field("title", title)
        json.field("updatedAt", updatedAt)
        json.field("videoId", videoId)
        json.field("watch", watch)
        json.endObject()
    }
}
