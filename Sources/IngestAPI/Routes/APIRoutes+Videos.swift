import Foundation
import Hummingbird
import IngestCore
import IngestStore

/// A video: its details, processing status, retry, cancel, preview URL.
extension APIRoutes {
    struct FormatJSON: Encodable {
        var kind: String
        var rendition: String?
        var codecs: String?
        var width: Int?
        var height: Int?
        var bitrate: Int?
        var averageBitrate: Int?
        var frameRate: Double?
        var duration: Double?
        var bytes: Int64?
        var key: String
        var url: String?
    }

    struct ThumbnailJSON: Encodable {
        var position: String
        var atSeconds: Double
        var width: Int
        var height: Int
        var bytes: Int64?
        var url: String?
    }

    struct VideoJSON: Encodable {
        var videoId: String
        var job: JobJSON
        var metadata: [String: JSONValue]
        var contentSha256: String?
        var revision: String?
        var formats: [FormatJSON]
        var thumbnails: [ThumbnailJSON]
        /// Other jobs of the same content (duplicates, re-ingests), newest first.
        var otherJobs: [Int64]
    }

    struct StageJSON: Encodable {
        var state: JobState
        var from: JobState?
        var event: String
        var attempt: Int
        var startedAt: Date
        var finishedAt: Date?
        var seconds: Double?
        var outcome: String?
        var error: String?
        var message: String?
    }

    struct ProcessingStatusJSON: Encodable {
        var videoId: String
        var jobId: Int64
        var state: JobState
        var stage: JobState?
        var percent: Double?
        var etaSeconds: Double?
        var attempts: Int
        var maxAttempts: Int
        var nextAttemptAt: Date?
        var lastError: String?
        var failedIn: JobState?
        var updatedAt: Date
        var stages: [StageJSON]
    }

    struct PreviewJSON: Encodable {
        var videoId: String
        var kind: String
        var url: String
        /// `cdn`, `s3-presigned` or `agent`.
        var source: String
        var expiresAt: Date?
        /// The HLS master playlist, when a player can fetch its segments from the same place.
        var hls: String?
    }

    struct ActionJSON: Encodable {
        var videoId: String
        var jobId: Int64
        var state: JobState
        var message: String
    }

    func addVideos(reads: RouterGroup<APIContext>, writes: RouterGroup<APIContext>) {
        reads.get("/api/videos/:id") { _, context in
            try JSONResponse.make(try await video(resolve(context.parameters.require("id"))))
        }
        reads.get("/api/videos/:id/processing-status") { _, context in
            try JSONResponse.make(try await processingStatus(resolve(context.parameters.require("id"))))
        }
        reads.get("/api/videos/:id/preview") { _, context in
            try JSONResponse.make(try await preview(resolve(context.parameters.require("id"))))
        }
        writes.post("/api/videos/:id/retry-processing") { _, context in
            let job = try await resolve(context.parameters.require("id"))
            return try JSONResponse.make(try await retry(job, context: context), status: .accepted)
        }
        writes.post("/api/videos/:id/cancel") { _, context in
            let job = try await resolve(context.parameters.require("id"))
            return try JSONResponse.make(try await cancel(job, context: context), status: .accepted)
        }
    }

    /// `:id` is a video id (content-derived, shared by duplicates) or a job id (digits). A video id names the job
    /// that carries the video: the newest that is not a duplicate, cancelled or rejected, else the newest.
    func resolve(_ id: String) async throws -> JobRecord {
        if !id.isEmpty, id.count <= 18, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber), let number = Int64(id) {
            guard let job = try await database.job(id: number) else { throw APIError.notFound("no job with id \(id)") }
            return job
        }
        guard (8...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "-") }) else {
            throw APIError.badRequest("\"\(id.prefix(70))\" is not a video id (hex) or a job id (digits)")
        }
        let jobs = try await database.jobs(videoID: id.lowercased())
        let carrier = jobs.first { ![.duplicate, .cancelled, .rejected].contains($0.state) } ?? jobs.first
        guard let carrier else { throw APIError.notFound("no video with id \(id)") }
        return carrier
    }

    func video(_ job: JobRecord) async throws -> VideoJSON {
        var formats: [FormatJSON] = []
        var thumbnails: [ThumbnailJSON] = []
        if let id = job.id, let revision = job.publishedRevision {
            let outputs = try await database.publishedOutputs(job: id, revision: revision)
            formats = outputs.formats.map { f in
                FormatJSON(
                    kind: f.kind,
                    rendition: f.rendition,
                    codecs: f.codecs,
                    width: f.width,
                    height: f.height,
                    bitrate: f.bandwidth,
                    averageBitrate: f.averageBandwidth,
                    frameRate: f.frameRate,
                    duration: f.duration,
                    bytes: f.bytes,
                    key: f.objectKey,
                    url: links.url(forKey: f.objectKey, recorded: f.url)
                )
            }
            thumbnails = outputs.thumbnails.map { t in
                ThumbnailJSON(
                    position: t.position,
                    atSeconds: t.atSeconds,
                    width: t.width,
                    height: t.height,
                    bytes: t.bytes,
                    url: links.url(forKey: t.objectKey, recorded: t.url)
                )
            }
        }
        let others = try await database.jobs(videoID: job.videoId).compactMap(\.id).filter { $0 != job.id }
        return VideoJSON(
            videoId: job.videoId,
            job: JobJSON(job, config: backend.config),
            metadata: JobJSON.metadata(job),
            contentSha256: job.contentSha256,
            revision: job.publishedRevision,
            formats: formats,
            thumbnails: thumbnails,
            otherJobs: others
        )
    }

    func processingStatus(_ job: JobRecord) async throws -> ProcessingStatusJSON {
        let stages = try await database.stages(ofJob: job.id ?? 0).map { s in
            StageJSON(
                state: s.toState,
                from: s.fromState,
                event: s.event,
                attempt: s.attempt,
                startedAt: s.createdAt,
                finishedAt: s.finishedAt,
                seconds: s.seconds,
                outcome: s.outcome,
                error: s.error,
                message: s.message
            )
        }
        return ProcessingStatusJSON(
            videoId: job.videoId,
            jobId: job.id ?? 0,
            state: job.state,
            stage: job.state.isActive ? job.state : nil,
            percent: job.progress,
            etaSeconds: job.etaSeconds,
            attempts: job.attempts,
            maxAttempts: backend.config.retry.maxAttempts,
            nextAttemptAt: job.nextAttemptAt,
            lastError: job.lastError,
            failedIn: job.failedIn,
            updatedAt: job.updatedAt,
            stages: stages
        )
    }

    func retry(_ job: JobRecord, context: APIContext) async throws -> ActionJSON {
        guard let id = job.id else { throw APIError.notFound("no such job") }
        if job.state == .duplicate, let original = job.duplicateOf {
            throw APIError(.conflict, "job \(id) is a duplicate of job \(original): retry that one")
        }
        if job.state.isActive || JobState.queued.contains(job.state) {
            throw APIError(
                .conflict,
                "job \(id) is \(job.state.rawValue): it is queued or running; wait for it to finish or cancel it"
            )
        }
        do {
            let updated = try await database.apply(.retry(manual: true), toJob: id, policy: backend.config.retry)
            let verb = job.state == .published ? "re-publish requested" : "re-queued"
            context.logger.notice(
                "\(verb) from the status API",
                metadata: [
                    "job": "\(id)", "path": "\(backend.config.readableSource(job.sourcePath, watch: job.watchName))",
                ]
            )
            return ActionJSON(videoId: updated.videoId, jobId: id, state: updated.state, message: verb)
        } catch let error as IllegalTransition {
            throw APIError(.conflict, error.description)
        }
    }

    func cancel(_ job: JobRecord, context: APIContext) async throws -> ActionJSON {
        guard let id = job.id else { throw APIError.notFound("no such job") }
        do {
            let updated = try await database.apply(
                .cancelled(reason: "cancelled from the status API"),
                toJob: id,
                policy: backend.config.retry
            )
            context.logger.notice(
                "cancelled from the status API",
                metadata: [
                    "job": "\(id)", "path": "\(backend.config.readableSource(job.sourcePath, watch: job.watchName))",
                ]
            )
            return ActionJSON(videoId: updated.videoId, jobId: id, state: updated.state, message: "cancelled")
        } catch let error as IllegalTransition {
            throw APIError(.conflict, error.description)
        }
    }

    func preview(_ job: JobRecord) async throws -> PreviewJSON {
        guard let id = job.id, let revision = job.publishedRevision else {
            throw APIError(.conflict, "video \(job.videoId) is not published yet (it is \(job.state.rawValue))")
        }
        let formats = try await database.publishedOutputs(job: id, revision: revision).formats
        guard let chosen = formats.first(where: { $0.kind == "mp4" }) ?? formats.first(where: { $0.kind == "hls" })
        else { throw APIError.notFound("video \(job.videoId) has no preview rendition recorded") }
        let expiry = Int(backend.config.api.previewExpiry.timeInterval)
        let master = formats.first { $0.kind == "hls" }
        // Presigning may read the credentials file: off the cooperative pool.
        let (link, hls) = try await runBlocking { [links] () throws -> (MediaLinks.Link, String?) in
            let link = try links.timeLimited(key: chosen.objectKey, recorded: chosen.url, expiresIn: expiry)
            let hls = try master.flatMap { try links.playable(key: $0.objectKey, recorded: $0.url, expiresIn: expiry) }
            return (link, hls)
        }
        return PreviewJSON(
            videoId: job.videoId,
            kind: chosen.kind,
            url: link.url,
            source: link.source,
            expiresAt: link.expiresAt,
            hls: hls
        )
    }
}
