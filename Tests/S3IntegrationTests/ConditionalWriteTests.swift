import Foundation
import IngestCore
import IngestPublish
import Logging
import TestSupport
import Testing

@testable import IngestAgent

/// `video.json` written conditionally against moto (which honours `If-None-Match` and `If-Match` on PutObject, as
/// S3 does): the probe, the store's writer, and two agents committing one video at once.
@Suite("Conditional writes against moto_server")
struct ConditionalWriteTests {
    private func keys(_ server: S3TestServer, under prefix: String) async throws -> [String] {
        // (--prefix is the first segment only: moto mis-checks signatures of %2F in query values.)
        let listed = try await server.aws(["s3api", "list-objects-v2", "--bucket", server.bucket, "--prefix", "tests"])
        guard !listed.stdout.isEmpty,
            let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
        else { return [] }
        let all = (json["Contents"] as? [[String: Any]] ?? []).compactMap { $0["Key"] as? String }
        return all.filter { $0.hasPrefix(prefix + "/") }
    }

    @Test func theProbeFindsThemHonouredAndLeavesNothingBehind() async throws {
        let server = try S3TestServer.require()
        let prefix = S3TestServer.uniquePrefix("probe")
        let store = try server.store(prefix: prefix)
        guard case .honoured(let writer) = await store.probeConditionalWrites() else {
            Issue.record("moto honours If-None-Match, the probe said otherwise")
            return
        }
        #expect(try await keys(server, under: prefix).isEmpty, "the probe object is removed")

        let first = try await writer.write(Array("one".utf8), key: "v/video.json", condition: .absent)
        await #expect(throws: PreconditionFailed.self) {
            try await writer.write(Array("two".utf8), key: "v/video.json", condition: .absent)
        }
        await #expect(throws: PreconditionFailed.self) {
            try await writer.write(Array("two".utf8), key: "v/video.json", condition: .matches(etag: "\"0000\""))
        }
        let read = try #require(try await writer.read(key: "v/video.json"))
        #expect(read.etag == first.etag && read.bytes == Array("one".utf8))
        _ = try await writer.write(Array("three".utf8), key: "v/video.json", condition: .matches(etag: read.etag))
        // Independent check: the aws CLI reads what is stored.
        let back = try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(prefix)/v/video.json", "-"]).stdout
        #expect(back == "three")
        #expect(try await writer.read(key: "v/missing.json") == nil)
    }

    @Test func aFileStoreSaysItHasNone() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        guard case .unavailable(let reason) = await FileStore(directory: dir.path).probeConditionalWrites() else {
            Issue.record("a file store cannot compare and swap")
            return
        }
        #expect(reason.contains("file://"))
    }

    /// Two agents that both believe they hold the job commit at the same moment, round after round: both read
    /// `video.json` before either writes, then one writes and the other after it (`Interleaving`); exactly one write
    /// goes through and the other attempt fails without overwriting it.
    @Test func ofTwoAgentsCommittingOneVideoOnlyOneWins() async throws {
        let server = try S3TestServer.require()
        let prefix = S3TestServer.uniquePrefix("commit")
        let store = try server.store(prefix: prefix)
        let support = await store.probeConditionalWrites()
        let commit = ManifestCommit(support: support)
        let logger = Logger(label: "test")
        var live: String? = nil
        for round in 0..<6 {
            let (a, b) = (Self.video("a\(round)"), Self.video("b\(round)"))
            let (bytesA, bytesB) = (try a.encoded(), try b.encoded())
            guard case .honoured(let writer) = support else {
                Issue.record("moto did not honour the probe's conditional writes")
                return
            }
            let order = Interleaving()
            let racing = ManifestCommit(support: .honoured(InterleavedWriter(base: writer, order: order)))
            async let byA = Self.attempt { try await racing.commit(a, bytes: bytesA, logger: logger) }
            async let byB = Self.attempt { try await racing.commit(b, bytes: bytesB, logger: logger) }
            let results = await [byA, byB]
            let won = results.filter { if case .success = $0 { true } else { false } }
            #expect(won.count == 1, "round \(round): exactly one commit")
            let failure = results.compactMap { if case .failure(let e) = $0 { "\(e)" } else { nil } }.first ?? ""
            #expect(failure.contains("written by another agent"), "\(failure)")
            let stored = try await server.aws(["s3", "cp", "s3://\(server.bucket)/\(prefix)/videos/v/video.json", "-"])
            let named = try PublishedVideo.decode(Data(stored.stdout.utf8)).revision
            #expect(named == "a\(round)" || named == "b\(round)")
            #expect(named != live, "a new revision replaced the last one")
            live = named

            // The winner's attempt again (its answer was lost): taken as done, nothing written.
            let winner = named == a.revision ? (a, bytesA) : (b, bytesB)
            let again = try #require(try await commit.commit(winner.0, bytes: winner.1, logger: logger))
            #expect(again.size == Int64(stored.stdout.utf8.count))
        }
    }

    static func attempt<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func video(_ revision: String) -> PublishedVideo {
        let probe = ProbeReport(
            container: "mp4",
            formatName: "mp4",
            duration: 1,
            size: 1,
            bitRate: nil,
            videoStream: 0,
            audioStream: nil,
            displayWidth: 16,
            displayHeight: 16,
            streams: []
        )
        func file(_ path: String) -> VideoManifest.File { VideoManifest.File(path: path, bytes: 1, sha256: "x") }
        return PublishedVideo(
            videoId: "v",
            revision: revision,
            publishedAt: Date(),
            metadata: [:],
            sourceFile: .init(name: "a.mp4", bytes: 1, sha256: "x"),
            media: VideoManifest(
                source: probe,
                duration: 1,
                segmentDuration: 1,
                hlsMaster: file("master.m3u8"),
                dashManifest: file("manifest.mpd"),
                renditions: [],
                mp4: VideoManifest.Progressive(rendition: "v16", width: 16, height: 16, file: file("video.mp4")),
                thumbnails: []
            ),
            original: nil,
            baseURL: nil
        )
    }
}

/// Two commits in the race that matters, in a fixed order against the real server: both have read `video.json`
/// before either writes, and the writes go one after the other. (moto checks a write's condition and stores the
/// object without a lock, so two writes arriving at the same instant can both pass there, as they cannot on S3;
/// a clean-clone run met that once.)
actor Interleaving {
    private var reads = 0
    private var readers: [CheckedContinuation<Void, Never>] = []
    private var writing = false
    private var writers: [CheckedContinuation<Void, Never>] = []

    func didRead() async {
        reads += 1
        if reads >= 2 {
            for reader in readers { reader.resume() }
            readers.removeAll()
        } else {
            await withCheckedContinuation { readers.append($0) }
        }
    }

    func beginWrite() async {
        guard writing else {
            writing = true
            return
        }
        await withCheckedContinuation { writers.append($0) }
    }

    func endWrite() {
        if writers.isEmpty {
            writing = false
        } else {
            writers.removeFirst().resume()
        }
    }
}

/// The store's own writer, with each read and write taking its turn in `order`.
struct InterleavedWriter: ConditionalWriter {
    let base: any ConditionalWriter
    let order: Interleaving

    func read(key: String) async throws -> FetchedObject? {
        let object = try await base.read(key: key)
        await order.didRead()
        return object
    }

    func write(_ bytes: [UInt8], key: String, condition: WriteCondition) async throws -> StoredObject {
        await order.beginWrite()
        do {
            let stored = try await base.write(bytes, key: key, condition: condition)
            await order.endWrite()
            return stored
        } catch {
            await order.endWrite()
            throw error
        }
    }
}
