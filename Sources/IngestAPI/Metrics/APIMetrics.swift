import Foundation
import Hummingbird
import IngestCore
import IngestStore
import Metrics
import Prometheus

/// /metrics: the registry the executable bootstrapped swift-metrics with (so the pipeline's counters and timers are
/// in it), plus gauges read from the database at scrape time and the API's own request metrics.
struct APIMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let database: any JobStore
    /// `[agent] name` of this process.
    let agentName: String

    /// Stage timers run for minutes; the API's requests for milliseconds.
    static let stageBuckets: [Duration] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200].map { .seconds($0) }
    static let requestBuckets: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000].map { .milliseconds($0) }

    /// The factory `reel-ingest run` bootstraps: Prometheus, with bucket choices for the daemon's timers.
    static func makeFactory() -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory()
        factory.durationHistogramBuckets["reel_ingest_stage_seconds"] = stageBuckets
        factory.durationHistogramBuckets["reel_ingest_api_request_seconds"] = requestBuckets
        return factory
    }

    init(database: any JobStore, agentName: String) {
        self.database = database
        self.agentName = agentName
        registry =
            (MetricsSystem.factory as? PrometheusMetricsFactory)?.registry
            ?? PrometheusMetricsFactory.defaultRegistry
    }

    var middleware: RequestMetricsMiddleware { RequestMetricsMiddleware() }

    static var jobs: MetricNameDescriptor { gauge("jobs", "Jobs by state, read from the database at scrape time.") }
    static var queueDepth: MetricNameDescriptor {
        gauge("queue_depth", "Jobs waiting for a worker (discovered or stable).")
    }
    static var running: MetricNameDescriptor {
        gauge("jobs_running", "Jobs a worker is probing, transcoding, uploading or distributing.")
    }
    static var watchAvailable: MetricNameDescriptor {
        gauge("watch_available", "1 while the watched folder is followed, 0 while it is missing or not running.")
    }
    static var waitingForRoom: MetricNameDescriptor {
        gauge("jobs_waiting_for_room", "Queued jobs held back because the scratch disk has no room for them.")
    }
    static var databaseWritable: MetricNameDescriptor {
        gauge(
            "database_writable",
            "0 while the job database's writes fail (a full disk, an unreachable server), else 1."
        )
    }
    static var subscribers: MetricNameDescriptor {
        gauge("live_subscribers", "Open live-update streams (WebSockets and the scheduler).")
    }

    static var sqliteMemory: MetricNameDescriptor {
        gauge(
            "sqlite_memory_bytes",
            "SQLite's own heap in this process: every connection's page cache, statements and schemas."
        )
    }

    static var heapInUse: MetricNameDescriptor {
        gauge("heap_in_use_bytes", "Bytes the C allocator has handed out and not had back (glibc mallinfo2).")
    }
    static var heapFree: MetricNameDescriptor {
        gauge("heap_free_bytes", "Free bytes the C allocator keeps in its arenas for reuse (glibc mallinfo2).")
    }

    static var thisAgent: MetricNameDescriptor {
        gauge("this_agent", "1, labelled with the name of the agent answering this scrape.")
    }
    static var agentState: MetricNameDescriptor {
        gauge("agent_state", "1 for each agent's state (active, draining, quarantined, gone), 0 for the others.")
    }
    static var agentJobs: MetricNameDescriptor { gauge("agent_jobs", "Jobs each agent holds a claim on.") }
    static var agentSilence: MetricNameDescriptor {
        gauge("agent_heartbeat_age_seconds", "Seconds since each agent's last heartbeat, by the database's clock.")
    }

    static func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "reel_ingest", metricName: name, unitName: "", helpText: help)
    }

    /// The text exposition, with the database and watcher gauges refreshed first.
    func render(watchers: [WatcherHealth]) async throws -> [UInt8] {
        for watcher in watchers {
            registry.makeGauge(descriptor: Self.watchAvailable, labels: [("watch", watcher.name)])
                .set(Double(watcher.ok ? 1 : 0))
        }
        registry.makeGauge(descriptor: Self.databaseWritable).set(Double(database.writeHealth.failure() == nil ? 1 : 0))
        registry.makeGauge(descriptor: Self.waitingForRoom).set(Double(try await database.jobsWaitingForRoom().count))
        let counts = try await database.jobCounts()
        for (state, count) in counts {
            registry.makeGauge(descriptor: Self.jobs, labels: [("state", state.rawValue)]).set(Double(count))
        }
        let depth = JobState.queued.reduce(0) { $0 + (counts[$1] ?? 0) }
        registry.makeGauge(descriptor: Self.queueDepth).set(Double(depth))
        let running = JobState.allCases.filter(\.isActive).reduce(0) { $0 + (counts[$1] ?? 0) }
        registry.makeGauge(descriptor: Self.running).set(Double(running))
        registry.makeGauge(descriptor: Self.subscribers).set(Double(database.updates.subscriberCount))
        registry.makeGauge(descriptor: Self.sqliteMemory).set(Double(SQLiteMemory.bytesInUse))
        let heap = ProcessHeap.read()
        registry.makeGauge(descriptor: Self.heapInUse).set(Double(heap.inUse))
        registry.makeGauge(descriptor: Self.heapFree).set(Double(heap.free))
        registry.makeGauge(descriptor: Self.thisAgent, labels: [("agent", agentName)]).set(1.0)
        for status in try await database.agentStatuses() {
            let agent = status.agent.name
            for state in ["active", "draining", "quarantined", "gone"] {
                registry.makeGauge(descriptor: Self.agentState, labels: [("agent", agent), ("state", state)])
                    .set(status.state == state ? 1.0 : 0.0)
            }
            registry.makeGauge(descriptor: Self.agentJobs, labels: [("agent", agent)]).set(Double(status.running))
            registry.makeGauge(descriptor: Self.agentSilence, labels: [("agent", agent)]).set(status.silentFor)
        }
        return registry.emitToBuffer()
    }
}

/// `reel_ingest_api_requests_total{method,route,status}` and `reel_ingest_api_request_seconds{route}`; the route is
/// the matched pattern (`/api/videos/{id}`), never the raw path, so ids do not multiply the series.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            record(request, context, status: status, start: start)
            return response
        } catch {
            status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, start: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        Counter(
            label: "reel_ingest_api_requests_total",
            dimensions: [("method", request.method.rawValue), ("route", route), ("status", String(status))]
        ).increment()
        let elapsed = ContinuousClock.now - start
        Metrics.Timer(label: "reel_ingest_api_request_seconds", dimensions: [("route", route)])
            .recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            )
    }
}
