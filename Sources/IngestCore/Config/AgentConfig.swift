import Foundation

/// The whole resolved configuration: `agent.toml` plus every drop-in of `watches.d/`.
public struct AgentConfig: Sendable, Equatable {
    /// The file it was loaded from, or nil for the embedded defaults.
    public var file: String?
    public var agent = AgentSettings()
    public var limits = Limits()
    public var retry = RetryPolicy()
    public var profiles: [String: Profile] = ["default": .standard]
    public var storage = StorageSettings()
    public var cdn = CDNSettings()
    public var api = APISettings()
    public var database = DatabaseSettings()
    public var watches: [WatchConfig] = []

    public init() {}

    /// The SQLite database holding every job (unless `database.url` names a PostgreSQL one).
    public var databasePath: String {
        agent.stateDir + "/reel-ingest.sqlite"
    }

    /// Where HTTP uploads keep their bytes while they arrive: `api.upload_dir`, or `uploads/` in the state folder.
    public var uploadDirectory: String {
        api.uploadDir ?? agent.stateDir + "/uploads"
    }
}

public struct AgentSettings: Sendable, Equatable {
    /// The agent's name among the agents sharing a database: who holds which job. Unset: the host name.
    public var name = AgentSettings.hostName
    public var stateDir = "/var/lib/reel-ingest"
    public var scratchDir = "/var/cache/reel-ingest"
    /// Where watch drop-ins live; relative paths are resolved against the config file's directory.
    public var watchesDir = "watches.d"
    public var parallelJobs = 1
    public var logLevel = "info"
    /// Wall-clock limit for one transcode worker. Each transcode gets 10 minutes plus 10 × the source's duration,
    /// at most this.
    public var jobTimeout: Duration = .seconds(2 * 3600)
    /// Jobs uploading and distributing at once (after their transcode finished), apart from `parallel_jobs`, so a
    /// slow upload never holds up the next transcode.
    public var parallelUploads = 2
    /// How long SIGTERM may take: children get SIGTERM, then SIGKILL at half this.
    public var shutdownTimeout: Duration = .seconds(30)
    /// Nice level of transcode workers (0...19), so the agent, the API and the uploads stay responsive.
    public var workerNice = 10
    /// Address-space limit of a transcode worker (RLIMIT_AS): a decoder gone wild fails its job, not the server.
    public var workerMemoryLimit: Int64 = 8 << 30
    /// After this many jobs in a row failed on it, the agent quarantines itself: claims nothing until an admin
    /// releases it (`reel-ingest agents release NAME`). 0: never.
    public var quarantineAfter = 5

    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "reel-ingest" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "reel-ingest" : name
    }
}

public struct Limits: Sendable, Equatable {
    public var maxFileSize: Int64 = 500 * 1_048_576
    public var allowedContainers = ["mp4", "mov", "avi", "matroska", "webm"]
    /// File extensions the watcher even looks at; probing decides the container for real.
    public var extensions = ["mp4", "m4v", "mov", "avi", "mkv", "webm"]
    public var settleTime: Duration = .seconds(5)
    public var networkSettleTime: Duration = .seconds(30)
    public var pollInterval: Duration = .seconds(10)
    public var maxWidth = 7680
    public var maxHeight = 4320
    public var maxDuration: Duration = .seconds(6 * 3600)
    /// How long a file that held still but is not yet a whole container (a recorder paused) waits for the rest
    /// before it is rejected as truncated.
    public var incompleteWait: Duration = .seconds(600)

    /// `mpegts` (MPEG transport streams, `.ts` and `.m2ts` from recorders) is known but not allowed by default.
    public static let knownContainers = ["mp4", "mov", "avi", "matroska", "mkv", "webm", "mpegts"]
}

public struct StorageSettings: Sendable, Equatable {
    /// `file:///dir` or `s3://bucket/prefix`.
    public var url = "file:///var/lib/reel-ingest/published"
    public var endpoint: String?
    public var region = "us-east-1"
    public var pathStyle = false
    public var partSize: Int64 = 16 * 1_048_576
    public var multipartThreshold: Int64 = 16 * 1_048_576
    public var concurrency = 4
    public var credentialsFile: String?
    public var storageClass: String?
    /// `AES256` or `aws:kms`.
    public var serverSideEncryption: String?
    public var kmsKeyId: String?
    public var caBundle: String?
    /// `crc32`: multipart uploads declare S3's CRC-32 checksum and send it with every part, which the server
    /// verifies and combines at completion; `none` for S3-compatible servers that refuse the checksum headers.
    /// `Content-MD5` is sent either way.
    public var checksum = "crc32"
    /// Multipart uploads older than this are aborted by `retry-sweep`.
    public var abandonedUploadTTL: Duration = .seconds(24 * 3600)
    /// Also upload the source file itself, to `videos/<video-id>/original.<ext>` (multipart, resumable).
    public var archiveOriginal = false

    public static let checksums = ["crc32", "none"]

    public var scheme: String {
        url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
    }
}

public struct CDNSettings: Sendable, Equatable {
    /// `none`, `http-purge` (Varnish, Fastly and others that take HTTP PURGE/BAN; `varnish` and `fastly` are
    /// accepted as its other names) or `cloudfront`.
    public var provider = "none"
    /// The public URL of the store's prefix: an object's URL is `base_url/<key>`.
    public var baseURL: String?
    /// Where purge requests go when it differs from `base_url` (Varnish admin listener, Fastly API).
    public var purgeURL: String?
    /// `url`: one PURGE per URL; `ban`: one BAN of the video's prefix (`X-Ban-Prefix` header).
    public var purgeMethod = "url"
    /// Fetch manifests, init segments, the first segments and the poster through the CDN after publishing.
    public var prewarm = true
    /// Media segments of every rendition fetched by the pre-warm.
    public var prewarmSegments = 3
    /// CloudFront distribution to invalidate.
    public var distributionId: String?
    /// CloudFront API endpoint (a compatible server, or a proxy); AWS's when unset.
    public var cloudfrontEndpoint: String?

    public init() {}

    public static let providers = ["none", "http-purge", "cloudfront", "varnish", "fastly"]
    public static let purgeMethods = ["url", "ban"]

    /// `varnish` and `fastly` are HTTP purging under another name.
    public var kind: String {
        ["varnish", "fastly"].contains(provider) ? "http-purge" : provider
    }
}

public struct APISettings: Sendable, Equatable {
    /// false: the daemon serves no HTTP at all.
    public var enabled = true
    public var listen = "127.0.0.1:8790"
    /// File holding the bearer token required by state-changing endpoints and uploads. Unset: the agent creates
    /// `<state_dir>/api-token` (mode 600) on first start; required when `listen` is not a loopback address.
    public var tokenFile: String?
    /// Lifetime of the URLs `GET /api/videos/:id/preview` hands out.
    public var previewExpiry: Duration = .seconds(3600)
    /// Where HTTP uploads are written until complete; unset: `<state_dir>/uploads`.
    public var uploadDir: String?
    /// An incomplete upload untouched for this long is removed by `retry-sweep`.
    public var uploadExpiry: Duration = .seconds(24 * 3600)
    /// The largest body one chunk of the chunked upload API may carry. A tus PATCH is bounded by the upload's declared
    /// length instead (tus clients send a whole file in one PATCH by default); both stream to disk in 2 MiB batches.
    public var maxChunkSize: Int64 = 64 * 1_048_576
    /// A connection must deliver its first request's head (request line and headers) within this time, and a
    /// head may hold at most `maxHeaderBytes`: a client trickling a header a byte at a time is closed with 408.
    public var headerTimeout: Duration = .seconds(15)
    /// A connection that sends nothing for this long between requests, or within a request's body, is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// Open connections at most; past it new ones wait in the listen backlog until one closes.
    public var maxConnections = 1024
    /// Open live-update WebSockets at most; one more is closed at once with 1013 (try again later).
    public var maxLiveConnections = 256
    /// The largest request head (request line and headers) in bytes; a larger one is answered 431.
    public static let maxHeaderBytes = 32 * 1024

    /// True when `listen` names a loopback address (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        guard let host = HostPort(listen)?.host else { return false }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
