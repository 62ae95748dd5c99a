import Foundation
import TestSupport
import Testing

/// A file rejected at intake with `on_failure = "move:…"`: the file and its note are moved, and the job records
/// where the file went (the API and the page then name the file that exists, not the one that used to).
@Suite("rejected sources")
struct RejectedSourceTests {
    @Test(.timeLimit(.minutes(2))) func rejectedAtIntakeRecordsWhereOnFailureMovedTheFile() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try daemon.dir.write("watches.d/inbox.toml", "path = \"\(daemon.inbox)\"\non_failure = \"move:rejected\"\n")
        try await daemon.start()
        let notes = try daemon.dir.write("notes.mp4", "minutes of the shift meeting, not a video")
        try FileManager.default.moveItem(atPath: notes, toPath: daemon.inbox + "/notes.mp4")

        _ = try await daemon.waitForState(1, ["rejected"])
        let moved = daemon.inbox + "/rejected/notes.mp4"
        let source = try await eventually("the job naming the moved file") { () -> String? in
            let video = try await daemon.call("GET", "/api/videos/1").json()
            let job = video["job"] as? [String: Any]
            return job?["source"] as? String == moved ? moved : nil
        }
        #expect(source == moved)
        #expect(FileManager.default.fileExists(atPath: moved))
        #expect(FileManager.default.fileExists(atPath: moved + ".error.txt"))
        #expect(!FileManager.default.fileExists(atPath: daemon.inbox + "/notes.mp4"))
    }
}
