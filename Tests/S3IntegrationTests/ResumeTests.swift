import Foundation
import IngestCore
import IngestPublish
import TestSupport
import Testing

/// Reads a child's stdout line by line as it is written.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    /// The next complete line, or nil at end of file.
    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}

func sqlite(_ database: String, _ sql: String) async throws -> String {
    try await runProcessAsync("/usr/bin/sqlite3", [database, sql]).stdout.trimmingCharacters(
        in: .whitespacesAndNewlines
    )
}

@Suite("push: kill -9 in the middle, rerun, only missing parts sent")
struct ResumeTests {
    @Test func killedPushResumesWithOnlyTheMissingParts() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let partCount = 16
        let size = (5 << 20) * (partCount - 1) + 777_777
        let file = try scratch.randomFile("original.mp4", size: size)
        let key = S3TestServer.uniquePrefix("resume") + "/original.mp4"
        let config = try scratch.config(server: server, prefix: "tests")
        let arguments = [
            "push", "--config", config, "--part-size", "5MiB", "--concurrency", "1", "--progress", "json", file,
            "s3://\(server.bucket)/\(key)",
        ]

        // First run: kill -9 as soon as three parts are reported done.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TestBinaries.reelIngest)
        first.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in server.awsEnvironment { environment[name] = value }
        first.environment = environment
        let out = Pipe()
        first.standardOutput = out
        first.standardError = FileHandle.nullDevice
        try first.run()
        let reader = LineReader(out.fileHandleForReading)
        var partsSeen = 0
        while partsSeen < 3, let line = reader.next() {
            if line.contains("\"event\":\"part\"") { partsSeen += 1 }
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(partsSeen == 3)
        #expect(first.terminationReason == .uncaughtSignal)

        // The journal holds the upload with the parts that finished, and the server agrees.
        let database = scratch.path + "/state/reel-ingest.sqlite"
        let row = try await sqlite(
            database,
            "SELECT id, upload_id, state FROM video_uploads WHERE object_key = '\(key)'"
        )
        let fields = row.split(separator: "|").map(String.init)
        try #require(fields.count == 3)
        #expect(fields[2] == "uploading")
        let journaled = try #require(
            Int(try await sqlite(database, "SELECT COUNT(*) FROM video_upload_parts WHERE upload_id = \(fields[0])"))
        )
        let listed = try await server.aws([
            "s3api", "list-parts", "--bucket", server.bucket, "--key", key, "--upload-id", fields[1],
        ])
        let onServer =
            (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["Parts"] as? [Any]
        let serverParts = onServer?.count ?? 0
        #expect(journaled >= 3)
        #expect(serverParts >= journaled)
        #expect(serverParts < partCount, "the kill came too late to test resuming")

        // Second run: same command. Only the missing parts go up, then the upload completes.
        let second = try await runProcessAsync(TestBinaries.reelIngest, arguments, environment: server.awsEnvironment)
        #expect(second.status == 0, "\(second.stderr)")
        let events = jsonLines(second.stdout)
        let start = try #require(events.first { $0["event"] as? String == "start" })
        #expect(start["resumed"] as? Bool == true)
        #expect(start["uploadId"] as? String == fields[1])
        #expect(start["partsDone"] as? Int == serverParts)
        let sentNumbers = events.filter { $0["event"] as? String == "part" }.compactMap { $0["part"] as? Int }
        #expect(sentNumbers.count == partCount - serverParts)
        let done = try #require(events.first { $0["event"] as? String == "done" })
        #expect(done["partsSent"] as? Int == partCount - serverParts)
        #expect(done["partsSkipped"] as? Int == serverParts)
        #expect(try await sqlite(database, "SELECT state FROM video_uploads WHERE id = \(fields[0])") == "completed")
        #expect(
            try await sqlite(database, "SELECT COUNT(*) FROM video_upload_parts WHERE upload_id = \(fields[0])")
                == "\(partCount)"
        )

        let back = scratch.path + "/back.mp4"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(key)", back])
        #expect(try filesEqual(file, back))
        // Parts from both runs carried their CRC-32 into the completion: the server's composite checksum is the
        // one computed from the file.
        #expect(try await server.storedCRC32(key: key) == crc32s(file, partSize: 5 << 20).composite)
        #expect(
            try await sqlite(
                database,
                "SELECT COUNT(*) FROM video_upload_parts WHERE upload_id = \(fields[0]) AND crc32 IS NULL"
            )
                == "0"
        )
    }
}

@Suite("resume keeps the checksum the upload was created with")
struct ResumeChecksumTests {
    /// An upload started without checksums (`checksum = "none"`, or a journal from before CRC-32) is finished
    /// without them even when the store now asks for CRC-32: S3 fixes the algorithm at CreateMultipartUpload.
    @Test func uploadCreatedWithoutChecksumResumesWithout() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let partSize: Int64 = 5 << 20
        let size = Int(partSize) * 2 + 99_999
        let file = try scratch.randomFile("old.mov", size: size)
        let key = S3TestServer.uniquePrefix("oldjournal") + "/old.mov"
        let target = UploadTarget(
            storeURL: "s3://\(server.bucket)",
            key: key,
            localPath: file,
            size: Int64(size),
            mtimeNs: 7
        )
        let journal = MemoryJournal()
        let client = try server.client()
        #expect(client.options.checksumCRC32, "the store asks for CRC-32 now")

        // An earlier run: created without a checksum algorithm, part 1 sent and journaled, then stopped.
        let digest = try FileRegionDigest.digest(path: file, offset: 0, length: partSize)
        try await client.withConnection { connection throws(S3Error) in
            let uploadId = try connection.createMultipartUpload(key: key, checksumCRC32: false)
            let etag = try connection.uploadPart(
                key: key,
                uploadId: uploadId,
                partNumber: 1,
                file: file,
                offset: 0,
                length: partSize,
                digest: digest
            )
            do {
                let id = try journal.begin(target, uploadId: uploadId, partSize: partSize, checksumCRC32: false)
                try journal.record(JournaledPart(number: 1, etag: etag, size: partSize, md5: digest.hex), of: id)
            } catch {
                throw .journal("\(error)")
            }
        }

        // The rerun goes through a logging proxy, to see what it sends.
        let proxy = try FaultProxy(upstream: server.endpoint, failures: 0, log: scratch.path + "/requests.jsonl")
        defer { proxy.stop() }
        let upload = MultipartUpload(
            client: try server.client(endpoint: proxy.endpoint),
            journal: journal,
            target: target,
            partSize: partSize,
            concurrency: 2
        )
        let summary = try await runBlocking { () throws(S3Error) -> UploadSummary in try upload.run() }
        #expect(summary.resumed)
        #expect(summary.partsSkipped == 1)
        #expect(summary.partsSent == 2)
        let requests = proxy.requests()
        let parts = requests.filter { ($0["path"] as? String)?.contains("partNumber=") == true }
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { ($0["headers"] as? [String: String])?.isEmpty == true }, "no checksum headers")
        let complete = requests.first { ($0["body"] as? String)?.contains("<CompleteMultipartUpload>") == true }
        #expect(complete != nil)
        #expect((complete?["body"] as? String)?.contains("Checksum") == false)
        #expect(try await server.storedCRC32(key: key) == nil)
        let back = scratch.path + "/back.mov"
        try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(key)", back])
        #expect(try filesEqual(file, back))
    }
}
