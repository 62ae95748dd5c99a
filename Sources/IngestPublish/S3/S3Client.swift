import Foundation
import IngestCore

/// Everything needed to talk to one bucket: endpoint, signer and transport settings. A plain Sendable value;
/// the transfers themselves happen on an `S3Connection`, which owns a curl handle and stays on one thread.
public struct S3Client: Sendable {
    public struct Options: Sendable, Equatable {
        public var endpoint: String?
        public var region: String
        public var pathStyle: Bool
        /// PEM bundle for TLS verification; nil is the system bundle. Verification itself cannot be turned off.
        public var caBundle: String?
        public var storageClass: String?
        /// `AES256` or `aws:kms`.
        public var serverSideEncryption: String?
        public var kmsKeyId: String?
        /// Declare and send S3's CRC-32 checksum on multipart uploads (see `StorageSettings.checksum`).
        public var checksumCRC32 = true
        public var backoff = Backoff()
        public var connectTimeout: Duration = .seconds(10)
        /// A transfer slower than 1 KiB/s for this long is dropped (and retried): catches dead connections
        /// without capping how long a large part may take.
        public var lowSpeedTime: Duration = .seconds(60)

        public init(
            endpoint: String? = nil,
            region: String = "us-east-1",
            pathStyle: Bool = false,
            caBundle: String? = nil,
            storageClass: String? = nil,
            serverSideEncryption: String? = nil,
            kmsKeyId: String? = nil
        ) {
            self.endpoint = endpoint
            self.region = region
            self.pathStyle = pathStyle
            self.caBundle = caBundle
            self.storageClass = storageClass
            self.serverSideEncryption = serverSideEncryption
            self.kmsKeyId = kmsKeyId
        }

        /// The storage section of the configuration.
        public init(_ settings: StorageSettings) {
            self.init(
                endpoint: settings.endpoint,
                region: settings.region,
                pathStyle: settings.pathStyle,
                caBundle: settings.caBundle,
                storageClass: settings.storageClass,
                serverSideEncryption: settings.serverSideEncryption,
                kmsKeyId: settings.kmsKeyId
            )
            self.checksumCRC32 = settings.checksum == "crc32"
        }
    }

    public let endpoint: S3Endpoint
    public let signer: SigV4Signer
    public let options: Options

    public init(bucket: String, credentials: SigV4Credentials, options: Options) throws(S3Error) {
        self.endpoint = try S3Endpoint(
            endpoint: options.endpoint,
            region: options.region,
            bucket: bucket,
            pathStyle: options.pathStyle
        )
        self.signer = SigV4Signer.s3(credentials: credentials, region: options.region)
        self.options = options
    }

    public var bucket: String { endpoint.bucket }

    /// A connection for the calling thread. Keep it on that thread (it is not Sendable).
    public func connect() throws(S3Error) -> S3Connection {
        try S3Connection(client: self)
    }

    /// Runs blocking S3 work on a Dispatch thread with its own connection, off the cooperative pool.
    public func withConnection<T: Sendable>(
        _ work: @escaping @Sendable (S3Connection) throws(S3Error) -> T
    ) async throws(S3Error) -> T {
        let client = self
        return try await runBlocking { () throws(S3Error) -> T in
            try work(try client.connect())
        }
    }

    /// ETags are MD5s unless SSE-KMS encrypts the object (then they are opaque), so only compare them without KMS.
    var etagsAreMD5: Bool { options.serverSideEncryption != "aws:kms" }

    /// Headers describing a new object: type, caching, storage class and encryption.
    func objectHeaders(contentType: String?, cacheControl: String?) -> [SigV4Header] {
        var headers: [SigV4Header] = []
        if let contentType { headers.append(SigV4Header(name: "Content-Type", value: contentType)) }
        if let cacheControl { headers.append(SigV4Header(name: "Cache-Control", value: cacheControl)) }
        if let storageClass = options.storageClass {
            headers.append(SigV4Header(name: "x-amz-storage-class", value: storageClass))
        }
        if let sse = options.serverSideEncryption {
            headers.append(SigV4Header(name: "x-amz-server-side-encryption", value: sse))
            if let key = options.kmsKeyId {
                headers.append(SigV4Header(name: "x-amz-server-side-encryption-aws-kms-key-id", value: key))
            }
        }
        return headers
    }

    /// A presigned GET URL for `key`, valid `expiresIn` seconds (1 s ... 7 days); fetchable by any HTTP client. Host
    /// and path follow the store's addressing, as every other request does: `bucket.host/key` (virtual-host) or
    /// `host/bucket/key` (path-style).
    public func presignedGetURL(key: String, expiresIn: Int, date: Date = Date()) throws(SigV4Error) -> String {
        let request = SigV4Request(
            method: "GET",
            path: endpoint.path(forKey: key),
            headers: [SigV4Header(name: "Host", value: endpoint.hostHeader)]
        )
        let presigned = try signer.presign(request, date: date, expiresIn: expiresIn)
        return "\(endpoint.scheme)://\(endpoint.hostHeader)\(presigned.encodedPath)?\(presigned.encodedQuery)"
    }
}
