import Foundation
import Hummingbird

/// /metrics (Prometheus text) and /healthz (database, watchers, last store write).
extension APIRoutes {
    struct HealthJSON: Encodable {
        struct Database: Encodable {
            var ok: Bool
            var milliseconds: Double?
            var error: String?
        }
        struct StoreWrite: Encodable {
            var at: Date?
            var ageSeconds: Double?
        }
        var status: String
        var database: Database
        var watchers: [WatcherHealth]
        var lastStoreWrite: StoreWrite
        var at: Date
    }

    func addMetrics(_ reads: RouterGroup<APIContext>) {
        reads.get("/metrics") { _, _ in
            let bytes = try await metrics.render()
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
        do {
            try await self.database.ping()
            let elapsed = ContinuousClock.now - start
            database.milliseconds =
                Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3
            lastWrite = try await self.database.lastStoreWrite()
        } catch {
            database = .init(ok: false, error: "\(error)")
        }
        let watchers = await backend.watcherHealth()
        let ok = database.ok && watchers.allSatisfy(\.ok)
        return HealthJSON(
            status: ok ? "ok" : "degraded",
            database: database,
            watchers: watchers,
            lastStoreWrite: .init(at: lastWrite, ageSeconds: lastWrite.map { now.timeIntervalSince($0) }),
            at: now
        )
    }
}
