import ArgumentParser
import Foundation
import IngestAgent
import IngestCore
import IngestPublish

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract:
            "Upload a file (or a folder, to a prefix) to the object store, resuming where an earlier run stopped.",
        discussion: """
            DESTINATION is s3://bucket/key (a folder goes to s3://bucket/prefix) or file:///dir/name.
            Storage settings come from the configuration; the flags override them. Credentials come from
            AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) or storage.credentials_file.
            Multipart progress is journaled in the job database, so rerunning the same command after an
            interruption sends only the missing parts.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file or folder to upload.") var source: String
    @Argument(help: "s3://bucket/key or file:///dir/name.") var destination: String

    @Option(help: "S3 endpoint URL (MinIO, Ceph, R2, a local test server).") var endpoint: String?
    @Option(help: "Region to sign for.") var region: String?
    @Flag(help: "Path-style addressing (host/bucket/key) instead of bucket.host/key.") var pathStyle = false
    @Option(help: "Multipart part size, e.g. 16MiB (5MiB...5GiB).") var partSize: String?
    @Option(help: "Parts in flight (1...64).") var concurrency: Int?
    @Option(help: "auto (bar on a terminal), bar, json (JSON lines on stdout) or none.") var progress: ProgressMode =
        .auto

    func validate() throws {
        if let partSize {
            guard let bytes = Units.bytes(partSize), (Int64(5 << 20)...Int64(5 << 30)).contains(bytes) else {
                throw ValidationError("--part-size must be a size between 5MiB and 5GiB, e.g. 16MiB")
            }
        }
        if let concurrency, !(1...64).contains(concurrency) {
            throw ValidationError("--concurrency must be between 1 and 64")
        }
    }

    func run() async throws {
        let config = try global.loadConfig(requireWatchFolders: false)
        var settings = config.storage
        if let endpoint { settings.endpoint = endpoint }
        if let region { settings.region = region }
        if pathStyle { settings.pathStyle = true }
        if let partSize, let bytes = Units.bytes(partSize) { settings.partSize = bytes }
        if let concurrency { settings.concurrency = concurrency }

        let files = try sourceFiles()
        guard let location = StoreLocation(destination) else {
            throw ValidationError("destination must be s3://bucket/key or file:///dir/name, got \(destination)")
        }
        let reporter = UploadProgress(mode: progress)
        switch location {
        case .file(let path):
            try await pushToDirectory(files: files, path: path, reporter: reporter)
        case .s3(let bucket, let key):
            try await pushToS3(
                files: files,
                bucket: bucket,
                key: key,
                settings: settings,
                config: config,
                reporter: reporter
            )
        }
    }

    static func size(of file: String) -> Int64 {
        var info = stat()
        return stat(file, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// (local file, key relative to the destination) pairs, in publish order for a folder.
    private func sourceFiles() throws -> [(file: String, name: String)] {
        let path = ConfigLoader.absolutePath(source, base: FileManager.default.currentDirectoryPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure("\(source): no such file or directory")
        }
        guard isDirectory.boolValue else { return [(path, "")] }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw Failure("cannot list \(path)")
        }
        var names: [String] = []
        while let name = enumerator.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDir), !isDir.boolValue {
                names.append(name)
            }
        }
        return PublishOrder.sorted(names.sorted()).map { (path + "/" + $0, $0) }
    }

    /// A single file goes to the key itself unless the key is empty or ends with `/`; a folder's files go under it.
    private func key(base: String, name: String, file: String) -> String {
        if name.isEmpty {
            if base.isEmpty || destination.hasSuffix("/") {
                return StoreLocation.join(base, (file as NSString).lastPathComponent)
            }
            return base
        }
        return StoreLocation.join(base, name)
    }

    private func pushToDirectory(files: [(file: String, name: String)], path: String, reporter: UploadProgress)
        async throws
    {
        let isFolder = files.count != 1 || !files[0].name.isEmpty || destination.hasSuffix("/")
        let directory = isFolder ? path : (path as NSString).deletingLastPathComponent
        for (file, name) in files {
            let relative =
                isFolder
                ? (name.isEmpty ? (file as NSString).lastPathComponent : name)
                : (path as NSString).lastPathComponent
            reporter.begin(file: file, key: relative, size: Self.size(of: file))
            let stored = try await FileStore(directory: directory).put(file: file, key: relative)
            reporter.finish(stored)
            if !reporter.isJSON { print("stored \(file) as \(directory)/\(relative) (\(stored.size) bytes)") }
        }
    }

    private func pushToS3(
        files: [(file: String, name: String)],
        bucket: String,
        key base: String,
        settings: StorageSettings,
        config: AgentConfig,
        reporter: UploadProgress
    ) async throws {
        let credentials: SigV4Credentials
        do {
            credentials = try CredentialSource.resolve(for: settings)
        } catch {
            throw Failure(error.description)
        }
        let client = try S3Client(bucket: bucket, credentials: credentials, options: S3Client.Options(settings))
        try await global.withDatabase(config) { database in
            let journal = DatabaseUploadJournal(database: database)
            let store = S3Store(
                client: client,
                prefix: "",
                journal: journal,
                partSize: settings.partSize,
                multipartThreshold: settings.multipartThreshold,
                concurrency: settings.concurrency
            )
            for (file, name) in files {
                let objectKey = key(base: base, name: name, file: file)
                reporter.begin(file: file, key: objectKey, size: Self.size(of: file))
                let started = Date()
                let stored = try await runBlocking { () throws(S3Error) -> StoredObject in
                    try store.putBlocking(file: file, key: objectKey, jobId: nil) { reporter.handle($0) }
                }
                reporter.finish(stored)
                if !reporter.isJSON {
                    let seconds = Date().timeIntervalSince(started)
                    let rate = Double(stored.size) / max(seconds, 0.001) / 1_048_576
                    var line = "uploaded \(file) to s3://\(bucket)/\(stored.key) (\(stored.size) bytes"
                    if reporter.partCount > 1 {
                        line += ", \(reporter.partCount) parts: \(reporter.partsSent) sent"
                        if reporter.partsSkipped > 0 { line += ", \(reporter.partsSkipped) already there" }
                    }
                    line += String(format: ") in %.1f s, %.1f MiB/s", seconds, rate)
                    print(line)
                }
            }
        }
    }
}
