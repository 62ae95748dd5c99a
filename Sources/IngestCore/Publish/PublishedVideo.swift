import Foundation

/// `videos/<video-id>/video.json` in the store: what a platform reads to show a video. It is the transcoder's
/// manifest with every path made relative to the video's folder (so under `<revision>/`), plus who the video is,
/// which revision is live, its metadata, and where a player finds it through the CDN. Written last, after every
/// object it names.
public struct PublishedVideo: Sendable, Equatable {
    public var videoId: String
    public var revision: String
    public var publishedAt: Date
    /// The platform's metadata fields (title, description, machineModel, process, tags, customerAccess), as intake
    /// resolved them from the folders and the sidecar.
    public var metadata: [String: MetadataValue]
    public var sourceFile: SourceFile
    /// The transcode's outputs, paths relative to the video's folder.
    public var media: VideoManifest
    /// The archived source, when `storage.archive_original` is on.
    public var original: VideoManifest.File?
    /// `cdn.base_url` + the video's folder, when a CDN serves the store.
    public var baseURL: String?

    public struct SourceFile: Codable, Sendable, Equatable {
        public var name: String
        public var bytes: Int64
        public var sha256: String

        public init(name: String, bytes: Int64, sha256: String) {
            self.name = name
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// A metadata value: the platform's fields are strings or lists of strings.
    public enum MetadataValue: Codable, Sendable, Equatable {
        case string(String)
        case list([String])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                self = .list(list)
            } else {
                self = .string(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .list(let list): try container.encode(list)
            }
        }
    }

    public init(
        videoId: String,
        revision: String,
        publishedAt: Date,
        metadata: [String: MetadataValue],
        sourceFile: SourceFile,
        media: VideoManifest,
        original: VideoManifest.File?,
        baseURL: String?
    ) {
        self.videoId = videoId
        self.revision = revision
        self.publishedAt = publishedAt
        self.metadata = metadata
        self.sourceFile = sourceFile
        self.media = media
        self.original = original
        self.baseURL = baseURL
    }

    /// Every file the manifest names, paths relative to the video's folder (video.json itself excluded).
    public var allFiles: [VideoManifest.File] {
        media.allFiles + (original.map { [$0] } ?? [])
    }

    /// Metadata as intake stored it on the job (a JSON object); unknown shapes are left out.
    public static func metadata(fromJSON text: String?) -> [String: MetadataValue] {
        guard let text, let data = text.data(using: .utf8),
            let decoded = try? JSONDecoder().decode([String: MetadataValue].self, from: data)
        else { return [:] }
        return decoded
    }

    /// Pretty, sorted, snake_case JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> PublishedVideo {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(PublishedVideo.self, from: data)
    }
}

extension PublishedVideo: Codable {
    // The transcoder's manifest is flattened into the top level: a platform reads `hls_master`, `renditions`,
    // `thumbnails` beside `video_id` and `revision`.
    enum CodingKeys: String, CodingKey {
        case videoId, revision, publishedAt, metadata, sourceFile, original, baseURL = "baseUrl"
        case hlsUrl, dashUrl, mp4Url, posterUrl
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        videoId = try container.decode(String.self, forKey: .videoId)
        revision = try container.decode(String.self, forKey: .revision)
        publishedAt = try container.decode(Date.self, forKey: .publishedAt)
        metadata = try container.decodeIfPresent([String: MetadataValue].self, forKey: .metadata) ?? [:]
        sourceFile = try container.decode(SourceFile.self, forKey: .sourceFile)
        original = try container.decodeIfPresent(VideoManifest.File.self, forKey: .original)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL)
        media = try VideoManifest(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try media.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(videoId, forKey: .videoId)
        try container.encode(revision, forKey: .revision)
        try container.encode(publishedAt, forKey: .publishedAt)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(sourceFile, forKey: .sourceFile)
        try container.encodeIfPresent(original, forKey: .original)
        if let baseURL {
            try container.encode(baseURL, forKey: .baseURL)
            try container.encode(baseURL + "/" + media.hlsMaster.path, forKey: .hlsUrl)
            try container.encode(baseURL + "/" + media.dashManifest.path, forKey: .dashUrl)
            try container.encode(baseURL + "/" + media.mp4.file.path, forKey: .mp4Url)
            if let poster = media.thumbnails.first(where: { $0.label == "poster" }) {
                try container.encode(baseURL + "/" + poster.file.path, forKey: .posterUrl)
            }
        }
    }
}

extension VideoManifest {
    /// The same manifest with every path (files and playlists) under `folder/`.
    public func relocated(under folder: String) -> VideoManifest {
        func move(_ file: File) -> File {
            File(path: folder + "/" + file.path, bytes: file.bytes, sha256: file.sha256)
        }
        var copy = self
        copy.hlsMaster = move(hlsMaster)
        copy.dashManifest = move(dashManifest)
        copy.mp4.file = move(mp4.file)
        copy.thumbnails = thumbnails.map {
            var t = $0; t.file = move(t.file); return t
        }
        copy.renditions = renditions.map { rendition in
            var r = rendition
            r.playlist = folder + "/" + rendition.playlist
            r.files = rendition.files.map(move)
            return r
        }
        return copy
    }
}
