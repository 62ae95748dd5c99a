import Foundation
import IngestCore
import IngestPublish
import IngestStore
import TestSupport
import Testing

@Suite("retry-sweep aborts abandoned and unknown multipart uploads")
struct CleanupTests {
    @Test func sweepAbortsOrphansAndKeepsActiveUploads() async throws {
        let server = try S3TestServer.require()
        let scratch = try TempDirectory()
        defer { scratch.remove() }
        let prefix = S3TestServer.uniquePrefix("sweep")
        let config = try scratch.config(server: server, prefix: prefix)
        let client = try server.client()
        let ids = try await client.withConnection { connection throws(S3Error) -> [String] in
            var ids: [String] = []
            for name in ["active", "stale", "abandoned", "unknown"] {
                ids.append(try connection.createMultipartUpload(key: "\(prefix)/\(name).mp4"))
            }
            return ids
        }
        // An upload outside the prefix is not this store's business.
        let elsewhere = "tests/other-\(UUID().uuidString.prefix(8))/x.mp4"
        let elsewhereId = try await client.withConnection { connection throws(S3Error) in
            try connection.createMultipartUpload(key: elsewhere)
        }

        let database = try SQLiteStore(path: scratch.path + "/state/reel-ingest.sqlite")
        let store = "s3://\(server.bucket)"
        func journal(_ name: String, _ id: String, at date: Date) async throws -> UploadRecord {
            try await database.insertUpload(
                UploadRecord(
                    storeUrl: store,
                    objectKey: "\(prefix)/\(name).mp4",
                    localPath: "/src/\(name).mp4",
                    totalSize: 100 << 20,
                    uploadId: id,
                    partSize: 16 << 20,
                    sourceMtimeNs: 1,
                    at: date
                )
            )
        }
        _ = try await journal("active", ids[0], at: Date())
        let stale = try await journal("stale", ids[1], at: Date().addingTimeInterval(-3 * 3600))
        let abandoned = try await journal("abandoned", ids[2], at: Date())
        try await database.setUploadState(try #require(abandoned.id), .abandoned, at: Date())

        let result = try await runProcessAsync(
            TestBinaries.reelIngest,
            ["retry-sweep", "--config", config],
            environment: server.awsEnvironment
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("aborted \(prefix)/stale.mp4 (upload \(ids[1]), stale)"))
        #expect(result.stdout.contains("aborted \(prefix)/abandoned.mp4 (upload \(ids[2]), abandoned)"))
        #expect(result.stdout.contains("aborted \(prefix)/unknown.mp4 (upload \(ids[3]), unknown)"))

        // Independent check with the aws CLI: only the active upload is left under the prefix, the upload elsewhere
        // is untouched. (The CLI's --prefix is the first segment: moto mis-checks signatures of %2F in queries.)
        let listing = try await server.aws([
            "s3api", "list-multipart-uploads", "--bucket", server.bucket, "--prefix", "tests",
        ])
        let uploads = (try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [String: Any])?["Uploads"]
        let remaining = ((uploads as? [[String: Any]]) ?? []).compactMap { $0["UploadId"] as? String }
        #expect(remaining.contains(ids[0]))
        for id in ids.dropFirst() { #expect(!remaining.contains(id)) }
        #expect(remaining.contains(elsewhereId))
        #expect(try await database.upload(id: try #require(stale.id))?.state == .aborted)
        #expect(try await database.upload(id: try #require(abandoned.id))?.state == .aborted)

        try await client.withConnection { connection throws(S3Error) in
            try connection.abortMultipartUpload(key: "\(prefix)/active.mp4", uploadId: ids[0])
            try connection.abortMultipartUpload(key: elsewhere, uploadId: elsewhereId)
        }
    }
}
