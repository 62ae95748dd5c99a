import Foundation
import Hummingbird
import IngestCore
import IngestStore
import Logging

/// Every route of the status API, with what they share. Each `APIRoutes+feature.swift` adds one group of routes.
struct APIRoutes: Sendable {
    let backend: any IngestBackend
    let database: any JobStore
    let uploads: UploadStore
    let handoff: UploadHandoff
    let authorization: Authorization
    let links: MediaLinks
    let metrics: APIMetrics
    let logger: Logger
    let queueCache = RecentAnswerCache<QueueStatusJSON>()
    let agentsCache = RecentAnswerCache<[AgentStatus]>()
    let jobPages = JobPageCache()
    let liveConnections = LiveConnections()

    /// The router for plain HTTP requests. Changes and uploads need the token; reads need it off loopback.
    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: metrics.middleware)
        let open = router.group()
        let reads = router.group().add(middleware: RequireAccess(authorization: authorization, access: .read))
        let writes = router.group().add(middleware: RequireAccess(authorization: authorization, access: .write))
        addPage(open)
        addHealth(open)
        addMedia(open)
        addMetrics(reads)
        addVideos(reads: reads, writes: writes)
        addQueue(reads)
        addLiveFallback(reads)
        addTus(open: open, uploads: writes)
        addChunkedUploads(writes)
        return router
    }

    /// The router consulted for WebSocket upgrades only.
    func webSocketRouter() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        addLive(router.group().add(middleware: RequireAccess(authorization: authorization, access: .read)))
        return router
    }
}
