import Foundation
import Hummingbird
import HummingbirdWebSocket
import IngestCore
import IngestStore
import ServiceLifecycle

/// Live progress over WebSocket: `/videos/:id/processing-status` (one video, the replaced platform's path) and
/// `/api/videos/processing/live` (every job). A client first gets the current state (`snapshot` events), then every
/// committed transition and progress tick in commit order, progress at most 4 times a second per job.
extension APIRoutes {
    static let liveSnapshotLimit = 500
    static let progressInterval: Duration = .milliseconds(250)

    func addLive(_ group: RouterGroup<APIContext>) {
        group.ws("/api/videos/processing/live") { request, _ in
            .upgrade(Self.selectedSubprotocol(request))
        } onUpgrade: { inbound, outbound, _ in
            try await stream(inbound: inbound, outbound: outbound, follows: { _ in true }) {
                try await database.unfinishedJobs(limit: Self.liveSnapshotLimit).reversed()
            }
        }
        group.ws("/videos/:id/processing-status") { request, context in
            // An unknown id is refused before the upgrade (the HTTP route then answers 404).
            _ = try await resolve(context.parameters.require("id"))
            return .upgrade(Self.selectedSubprotocol(request))
        } onUpgrade: { inbound, outbound, context in
            let job = try await resolve(context.requestContext.parameters.require("id"))
            let (jobID, videoID) = (job.id, job.videoId)
            try await stream(
                inbound: inbound,
                outbound: outbound,
                follows: { $0.jobId == jobID || $0.videoId == videoID }
            ) {
                try await database.job(id: jobID ?? 0).map { [$0] } ?? []
            }
        }
    }

    /// The same paths over plain HTTP: 401 or 404 as for the upgrade, else a pointer to the WebSocket.
    func addLiveFallback(_ reads: RouterGroup<APIContext>) {
        reads.get("/api/videos/processing/live") { _, _ -> Response in
            throw APIError(.upgradeRequired, "connect with a WebSocket (ws://HOST/api/videos/processing/live)")
        }
        reads.get("/videos/:id/processing-status") { _, context -> Response in
            _ = try await resolve(context.parameters.require("id"))
            throw APIError(.upgradeRequired, "connect with a WebSocket to follow this video's processing")
        }
    }

    private func stream(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        follows: @escaping @Sendable (JobUpdate) -> Bool,
        snapshot: () async throws -> [JobRecord]
    ) async throws {
        let limit = backend.config.api.maxLiveConnections
        guard liveConnections.enter(limit: limit) else {
            // 1013: try again later (RFC 6455's registry); the reason says why.
            try await outbound.close(
                .unknown(1013),
                reason: "too many live connections (\(limit), api.max_live_connections); try again later"
            )
            return
        }
        defer { liveConnections.leave() }
        // Subscribe before reading the snapshot: nothing committed in between is lost; what the snapshot already
        // shows is skipped below.
        let updates = database.updates.subscribe()
        let jobs = try await snapshot()
        var shown: [Int64: Date] = [:]
        for job in jobs {
            guard let id = job.id else { continue }
            shown[id] = job.updatedAt
            try await outbound.write(.text(try Self.text(JobEventJSON(snapshot: job, config: backend.config))))
        }
        let covered = shown
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Inbound frames carry nothing; reading them notices the client closing.
                    for try await _ in inbound {}
                }
                group.addTask {
                    var lastProgress: [Int64: ContinuousClock.Instant] = [:]
                    for await update in updates where follows(update) {
                        // Stored times keep milliseconds: an update within 1 ms of the snapshot is the snapshot.
                        if let seen = covered[update.jobId], update.at.timeIntervalSince(seen) < 0.001 { continue }
                        if update.kind == .progress {
                            let now = ContinuousClock.now
                            if let last = lastProgress[update.jobId], now - last < Self.progressInterval { continue }
                            lastProgress[update.jobId] = now
                        } else {
                            lastProgress[update.jobId] = nil
                        }
                        try await outbound.write(.text(try Self.text(JobEventJSON(update, config: backend.config))))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    static func text(_ event: JobEventJSON) throws -> String {
        String(decoding: try JSONResponse.encoder.encode(event), as: UTF8.self)
    }

    /// Echo `reel-ingest` when the client offered subprotocols (browsers fail a socket whose answer names none of
    /// them); the token subprotocol is never echoed.
    static func selectedSubprotocol(_ request: Request) -> HTTPFields {
        let offered = request.headers[values: .secWebSocketProtocol].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !offered.isEmpty else { return [:] }
        var fields = HTTPFields()
        fields[.secWebSocketProtocol] = Authorization.subprotocol
        return fields
    }
}
