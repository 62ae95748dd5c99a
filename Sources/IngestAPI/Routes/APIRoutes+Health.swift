import Foundation
import Hummingbird
import IngestCore
import IngestStore

/// /metrics (Prometheus text) and /healthz (database reads and writes, watchers, last store write, scratch disk).
extension APIRoutes {
    struct HealthJSON: Encodable {
        /// `ok` needs both: reads answer (a round trip) and writes go through (`JobStore.writeHealth`).
        struct Database: Encodable {
            var ok: Bool
            var milliseconds: Double?
            var error: String?
            var writable = true
            var writesFailingSince: Date?
        }
        struct StoreWrite: Encodable {
            var at: Date?
            var ageSeconds: Double?
        }
        /// The scratch disk: free bytes, and the jobs waiting for room on it (with the newest reason).
        struct Scratch: Encodable {
            var ok: Bool
            var path: String
            var freeBytes: Int64?
            var waitingJobs: Int
            var reason: String?
        }
        var status: String
        var database: Database
        var watchers: [WatcherHealth]
        var lastStoreWrite: StoreWrite
        var scratch: Scratch
        var at: Date
    }

    func addMetrics(_ reads: RouterGroup<APIContext>) {
        reads.get("/metrics") { _, _ in
            let bytes = try await metrics.render(watchers: await backend.watcherHealth())
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    func addHealth(_ open: RouterGroup<APIContext>) {
        open.get("/healthz") { _, _ in
            let health = await health()
            return try JSONResponse.make(health, status: health.status == "ok" ? .ok : .serviceUnavailable)
        }
    }

    func health(now: Date = Date()) async -> HealthJSON {
        let start = ContinuousClock.now
        var database = HealthJSON.Database(ok: true)
        var lastWrite: Date? = nil
        var waiting: [JobRecord] = []
        do {
            try await self.database.ping()
            let elapsed = ContinuousClock.now - start
            database.milliseconds =
                Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3
            lastWrite = try await self.database.lastStoreWrite()
            waiting = try await self.database.jobsWaitingForRoom()
        } catch {
            database = .init(ok: false, error: "\(error)")
        }
        if let failure = self.database.writeHealth.failure(now: now) {
            database.ok = false
            database.writable = false
            database.writesFailingSince = failure.since
            database.error = database.error ?? "cannot write: \(failure.error)"
        }
        let watchers = await backend.watcherHealth()
        let scratchDir = backend.config.agent.scratchDir
        let scratch = HealthJSON.Scratch(
            ok: waiting.isEmpty,
            path: scratchDir,
            freeBytes: await runBlocking { Self.freeBytes(scratchDir) },
            waitingJobs: waiting.count,
            reason: waiting.compactMap(\.lastError).last
        )
        let ok = database.ok && watchers.allSatisfy(\.ok) && scratch.ok
        return HealthJSON(
            status: ok ? "ok" : "degraded",
            database: database,
            watchers: watchers,
            lastStoreWrite: .init(at: lastWrite, ageSeconds: lastWrite.map { now.timeIntervalSince($0) }),
            scratch: scratch,
            at: now
        )
    }

    /// Bytes free for an unprivileged writer on the filesystem of `path`.
    static func freeBytes(_ path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
