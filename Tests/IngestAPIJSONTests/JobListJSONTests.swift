import Foundation
import IngestCore
import Testing

@testable import IngestAPI
@testable import IngestStore

/// The job list's document is written by hand for speed; Foundation's `JSONEncoder`, configured as every other
/// response is, is the reference it must match.
@Suite("Job list JSON: written by hand, read as the encoder's")
struct JobListJSONTests {
    static let tricky = "quote \" backslash \\ slash / newline \n tab \t bell \u{7} del \u{7F} é 日本 🎞"

    static func job(_ id: Int64, full: Bool) -> JobRecord {
        let at = Date(timeIntervalSince1970: 1_796_000_000.987)
        let metadata = String(decoding: try! JSONSerialization.data(withJSONObject: ["title": tricky]), as: UTF8.self)
        return JobRecord(
            id: id,
            videoId: "v\(id)",
            sourceFileId: nil,
            sourcePath: full ? "/share/line-1/\(tricky).mp4" : "relative/take.mp4",
            watchName: full ? "line-1" : nil,
            profile: "default",
            priority: 0,
            state: full ? .transcoding : .failed,
            attempts: full ? 2 : 0,
            nextAttemptAt: full ? at.addingTimeInterval(0.5) : nil,
            lastError: full ? tricky : nil,
            failedIn: full ? nil : .uploading,
            duplicateOf: full ? 7 : nil,
            metadata: full ? metadata : nil,
            progress: full ? 12.5 : 100,
            createdAt: at,
            updatedAt: at.addingTimeInterval(59.999),
            etaSeconds: full ? 0.1 : nil,
            publishedRevision: full ? "r1" : nil,
            publishedAt: full ? at : nil,
            claimedBy: full ? "agent-a" : nil
        )
    }

    @Test(arguments: [0, 1, 3])
    func aPageReadsAsTheEncodersDocument(count: Int) throws {
        let config = AgentConfig()
        let jobs = (0..<count).map { JobJSON(Self.job(Int64($0 + 1), full: $0 % 2 == 0), config: config) }
        let page = APIRoutes.JobPageJSON(jobs: jobs, nextCursor: count > 1 ? "ajEy" : nil, limit: 50)
        let written = page.encoded
        let encoded = try JSONResponse.encoder.encode(page)
        let mine = try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary
        let reference = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        #expect(mine != nil)
        #expect(
            mine == reference,
            "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: encoded, as: UTF8.self))"
        )
        if count > 0 {
            #expect(jobs[0].title == Self.tricky, "the title came through the metadata")
        }
    }

    @Test func numbersThatJSONCannotHoldAreNull() throws {
        var json = JSONBytes()
        json.beginArray()
        for value in [Double.infinity, -.infinity, .nan, -0.0, 1e300, 3] { json.number(value) }
        json.endArray()
        let values = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [Any])
        #expect(values.prefix(3).allSatisfy { $0 is NSNull })
        #expect((values[4] as? Double) == 1e300)
        #expect((values[5] as? Int) == 3)
    }
}
