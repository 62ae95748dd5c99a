import Foundation
import Hummingbird
import IngestCore
import IngestStore

/// The queue: counts and throughput, and the job list with keyset pagination.
extension APIRoutes {
    struct QueueStatusJSON: Encodable {
        struct Watch: Encodable {
            var name: String?
            var counts: [String: Int]
            var waiting: Int
            var running: Int
        }
        struct Oldest: Encodable {
            var jobId: Int64
            var videoId: String
            var source: String
            var watch: String?
            var since: Date
            var waitingSeconds: Double
        }
        struct Throughput: Encodable {
            var windowSeconds: Int
            var published: Int
            var rejected: Int
            var duplicates: Int
            var cancelled: Int
            var perHour: Double
        }
        var counts: [String: Int]
        var total: Int
        var waiting: Int
        var running: Int
        var watches: [Watch]
        var oldestWaiting: Oldest?
        var nextRetryAt: Date?
        var throughput: Throughput
        /// What holds the queue up that is no job's fault, in plain words (a full scratch disk, a folder that is
        /// gone); empty when nothing does. The page shows it above the queue.
        var attention: [String]
        var at: Date
    }

    struct JobPageJSON: Encodable {
        var jobs: [JobJSON]
        /// Pass as `cursor` for the next (older) page; nil on the last page.
        var nextCursor: String?
        var limit: Int

        /// The document `JSONResponse.make(self)` would send, written directly: the job list is the most requested
        /// route, and the encoder was a third of its cost.
        var encoded: [UInt8] {
            var json = JSONBytes(capacity: 600 * (jobs.count + 1))
            json.beginObject()
            json.key("jobs")
            json.beginArray()
            for job in jobs { job.write(into: &json) }
            json.endArray()
            json.field("limit", Int64(limit))
            json.field("nextCursor", nextCursor)
            json.endObject()
            return json.bytes
        }
    }

    static let maxPageSize = 500

    func addQueue(_ reads: RouterGroup<APIContext>) {
        reads.get("/api/videos/processing/queue-status") { _, _ in
            try JSONResponse.make(try await queueCache.value { try await queueStatus() })
        }
        reads.get("/api/videos/processing/jobs") { request, _ in
            JSONResponse.make(bytes: try await jobsPageBytes(request))
        }
        reads.get("/api/agents") { _, _ in
            let agents = try await agentsCache.value { try await database.agentStatuses() }
            return try JSONResponse.make(AgentsJSON(thisAgent: backend.config.agent.name, agents: agents))
        }
        reads.get("/api/watches") { _, _ in
            try JSONResponse.make(
                backend.config.watches.filter(\.enabled).map {
                    WatchJSON(name: $0.name, profile: $0.profile, priority: $0.priority)
                }
            )
        }
    }

    /// The agents sharing the job database, and which one answers.
    struct AgentsJSON: Encodable {
        var thisAgent: String
        var agents: [AgentStatus]
    }

    /// A folder uploads can go to (no server path: the page only needs to name it).
    struct WatchJSON: Encodable {
        var name: String
        var profile: String
        var priority: Int
    }

    func queueStatus(now: Date = Date()) async throws -> QueueStatusJSON {
        let window = 3600
        let overview = try await database.queueOverview(since: now.addingTimeInterval(-Double(window)))
        func named(_ counts: [JobState: Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        }
        func waiting(_ counts: [JobState: Int]) -> Int { JobState.queued.reduce(0) { $0 + (counts[$1] ?? 0) } }
        func running(_ counts: [JobState: Int]) -> Int {
            JobState.allCases.filter(\.isActive).reduce(0) { $0 + (counts[$1] ?? 0) }
        }
        let watches = overview.perWatch
            .map { name, counts in
                QueueStatusJSON.Watch(
                    name: name,
                    counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                    waiting: waiting(counts),
                    running: running(counts)
                )
            }
            .sorted { ($0.name ?? "") < ($1.name ?? "") }
        let oldest = overview.oldestWaiting.map { job in
            QueueStatusJSON.Oldest(
                jobId: job.id ?? 0,
                videoId: job.videoId,
                source: backend.config.readableSource(job.sourcePath, watch: job.watchName),
                watch: job.watchName,
                since: job.createdAt,
                waitingSeconds: max(0, now.timeIntervalSince(job.createdAt))
            )
        }
        let finished = overview.finishedSince
        let published = finished[.published] ?? 0
        var attention: [String] = []
        let waitingForRoom = try await database.jobsWaitingForRoom()
        if let reason = waitingForRoom.compactMap(\.lastError).last {
            let jobs = waitingForRoom.count == 1 ? "1 job" : "\(waitingForRoom.count) jobs"
            attention.append("\(jobs) \(reason)")
        }
        if let failure = database.writeHealth.failure(now: now) {
            attention.append("the job database cannot write: \(failure.error)")
        }
        for watcher in await backend.watcherHealth() where !watcher.ok {
            attention.append("folder \(watcher.name) (\(watcher.path)) is unavailable: \(watcher.mode)")
        }
        return QueueStatusJSON(
            counts: named(overview.counts),
            total: overview.counts.values.reduce(0, +),
            waiting: waiting(overview.counts),
            running: running(overview.counts),
            watches: watches,
            oldestWaiting: oldest,
            nextRetryAt: overview.nextRetryAt,
            throughput: .init(
                windowSeconds: window,
                published: published,
                rejected: finished[.rejected] ?? 0,
                duplicates: finished[.duplicate] ?? 0,
                cancelled: finished[.cancelled] ?? 0,
                perHour: Double(published) * 3600 / Double(window)
            ),
            attention: attention,
            at: now
        )
    }

    /// The job list as sent: from `jobPages` where the store announces every change (see `JobPageCache`).
    func jobsPageBytes(_ request: Request) async throws -> [UInt8] {
        let key = try jobsPageKey(request)
        guard database.announcesChanges else { return try await jobsPage(key).encoded }
        let generation = database.updates.generation
        return try await jobPages.page(key, generation: generation) { [self] in try await jobsPage(key).encoded }
    }

    /// The page a request asks for; a clear error for a parameter it cannot be.
    func jobsPageKey(_ request: Request) throws -> JobPageCache.Key {
        let query = request.uri.queryParameters
        var state: JobState? = nil
        if let text = query["state"].map(String.init), !text.isEmpty {
            guard let parsed = JobState(rawValue: text) else {
                let known = JobState.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.badRequest("unknown state \"\(text.prefix(40))\" (one of: \(known))")
            }
            state = parsed
        }
        let watch = query["watch"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let watch, watch.count > 200 { throw APIError.badRequest("watch name too long") }
        var limit = 50
        if let text = query["limit"].map(String.init) {
            guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
                throw APIError.badRequest("limit must be 1...\(Self.maxPageSize)")
            }
            limit = value
        }
        var before: Int64? = nil
        if let text = query["cursor"].map(String.init), !text.isEmpty {
            guard let id = Self.decodeCursor(text) else {
                throw APIError.badRequest("cursor is not one this API handed out: start again without it")
            }
            before = id
        }
        return JobPageCache.Key(state: state, watch: watch, before: before, limit: limit)
    }

    func jobsPage(_ key: JobPageCache.Key) async throws -> JobPageJSON {
        // One extra row says whether another page exists without a COUNT.
        let rows = try await database.jobsPage(
            state: key.state,
            watch: key.watch,
            beforeID: key.before,
            limit: key.limit + 1
        )
        let page = Array(rows.prefix(key.limit))
        let next = rows.count > key.limit ? page.last?.id.map(Self.encodeCursor) : nil
        let config = backend.config
        return JobPageJSON(jobs: page.map { JobJSON($0, config: config) }, nextCursor: next, limit: key.limit)
    }

    /// Opaque to clients (so the keyset can change): the last id of the page, base64url.
    static func encodeCursor(_ id: Int64) -> String {
        Data("j\(id)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decodeCursor(_ text: String) -> Int64? {
        guard text.count <= 40 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8),
            plain.hasPrefix("j"), let id = Int64(plain.dropFirst()), id > 0
        else { return nil }
        return id
    }
}
