import Foundation
@testable import IngestAPI
@testable import IngestCore
@testable import IngestMedia
@testable import IngestPublish
@testable import IngestWatcher

/// The parsers the agent owns, each fed arbitrary bytes. Any outcome but a crash, a hang or unbounded memory is
/// fine: errors are the expected answer to garbage. `make fuzz` drives them with libFuzzer; the regression suite
/// replays seeds and every input a fuzzer ever crashed.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `agent.toml`: TOML, then the settings, then the checks `config check` runs.
    case config
    /// A `watches.d/*.toml` drop-in.
    case dropIn = "drop-in"
    /// A `<name>.json` sidecar next to a video.
    case sidecar
    /// A watch's `metadata_template` (first line) applied to a path below the watch (second line).
    case template
    /// tus `Upload-Metadata`.
    case tus
    /// The chunked upload API's initiate body (JSON), checked as a new upload.
    case chunked
    /// One line of the media worker's JSON protocol.
    case workerJSON = "worker-json"
    /// An S3 XML response (errors, InitiateMultipartUpload, ListParts, ListMultipartUploads).
    case s3XML = "s3-xml"
    /// The transcode's checkpoint journal after its header.
    case checkpoint
    /// A file's first bytes judged as a container that may still be being written (MP4 boxes, Matroska elements,
    /// RIFF chunks, transport stream packets).
    case container

    /// The target `REEL_INGEST_FUZZ_TARGET` names (libFuzzer passes no arguments to the code under test).
    public static let selected: FuzzTarget? = ProcessInfo.processInfo.environment["REEL_INGEST_FUZZ_TARGET"]
        .flatMap(FuzzTarget.init(rawValue:))

    public func run(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        switch self {
        case .config:
            let issues = IssueList()
            guard let root = try? ConfigValue.parse(toml: text, file: "agent.toml") else { return }
            var config = AgentConfig.parse(root, file: "agent.toml", issues: issues)
            config.resolvePaths(base: "/nonexistent/reel-ingest-fuzz")
            ConfigLoader.check(config, displayFile: "agent.toml", issues: issues)
        case .dropIn:
            guard let root = try? ConfigValue.parse(toml: text, file: "line.toml") else { return }
            _ = WatchConfig.parse(root, name: "line", file: "line.toml", issues: IssueList())
        case .sidecar:
            _ = try? SourceMetadata.parseSidecar(data, name: "take.json")
        case .template:
            let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            _ = SourceMetadata.fromTemplate(parts.first, relativePath: parts.count > 1 ? parts[1] : "")
        case .tus:
            guard let fields = try? TusMetadata.parse(text) else { return }
            _ = NewUpload.metadata(fromTus: fields)
            _ = try? NewUpload(
                filename: fields["filename"],
                watchName: fields["watch"] ?? "line",
                size: 1,
                metadata: NewUpload.metadata(fromTus: fields),
                config: Self.uploadConfig
            )
        case .chunked:
            guard let body = try? JSONDecoder().decode(APIRoutes.InitiateBody.self, from: data) else { return }
            _ = try? NewUpload(
                filename: body.filename,
                watchName: body.watch,
                size: body.size,
                metadata: body.metadata ?? .init(),
                config: Self.uploadConfig
            )
        case .workerJSON:
            _ = WorkerMessage.decode(data)
        case .container:
            _ = ContainerCompleteness.check(InMemoryBytes([UInt8](data)))
        case .s3XML:
            for tag in ["Code", "Message", "UploadId", "ETag", "PartNumber", "Key", "IsTruncated"] {
                _ = S3XML.value(tag, in: text)
                _ = S3XML.values(tag, in: text)
            }
            for block in S3XML.blocks("Part", in: text) + S3XML.blocks("Upload", in: text) {
                _ = S3XML.value("Size", in: block).flatMap(Int64.init)
            }
            _ = S3XML.decode(text)
        case .checkpoint:
            Self.loadCheckpoint(after: data)
        }
    }

    /// A configuration with one watched folder, for checking new uploads against.
    static let uploadConfig: AgentConfig = {
        var config = AgentConfig()
        config.watches = [WatchConfig(name: "line", file: "line.toml", path: "/nonexistent/reel-ingest-fuzz/line")]
        return config
    }()

    /// A journal with a valid header followed by the fuzz input, loaded as a resumed transcode would.
    static func loadCheckpoint(after data: Data) {
        let directory = FileManager.default.temporaryDirectory.path + "/reel-ingest-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let header = CheckpointRecord.Header(
            version: 1,
            input: InputIdentity(size: 1, mtime: 1, headSHA256: "a", tailSHA256: "b"),
            profile: "p",
            layout: "l"
        )
        guard (try? Checkpoint.create(directory: directory, header: header)) != nil,
            let journal = FileHandle(forWritingAtPath: directory + "/" + Checkpoint.fileName)
        else { return }
        journal.seekToEndOfFile()
        journal.write(data)
        try? journal.close()
        _ = Checkpoint.load(directory: directory, header: header)
    }
}
