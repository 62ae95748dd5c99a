import Foundation
import TestSupport
import Testing

/// `reel-ingest jobs watch` on a pipe: plain lines as jobs change.
@Suite("jobs watch", .timeLimit(.minutes(4)))
struct JobsWatchTests {
    @Test func plainLinesFollowAJobToPublished() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        let watch = try LineProcess(
            APIDaemon.binary,
            ["jobs", "watch", "--interval", "0.2", "--config", daemon.config]
        )
        defer { watch.signal(SIGKILL) }
        try await Fixtures.clip(daemon.dir.path + "/w.mp4", seconds: 6, size: "640x360", noise: true)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/w.mp4", toPath: daemon.inbox + "/w.mp4")
        let transcoding = try await watch.waitForLine(containing: "job 1 transcoding")
        #expect(transcoding.hasSuffix(daemon.inbox + "/w.mp4"))
        // A bound, not a delay: under the end-to-end batch's load the 6 s clip took over a minute to transcode.
        _ = try await watch.waitForLine(containing: "job 1 finished", timeout: .seconds(180))
        let states = watch.output.compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count >= 3 && parts[0] == "job" && parts[1] == "1" ? String(parts[2]) : nil
        }
        // Never backwards: each state appears in pipeline order.
        let order = ["stable", "probing", "transcoding", "uploading", "distributing", "finished"]
        let ranks = states.compactMap { order.firstIndex(of: $0) }
        #expect(ranks == ranks.sorted() && ranks.last == order.count - 1)
        let once = try await runProcessAsync(APIDaemon.binary, ["jobs", "watch", "--once", "--config", daemon.config])
        #expect(once.status == 0 && once.stdout.isEmpty, "nothing unfinished")
    }
}
