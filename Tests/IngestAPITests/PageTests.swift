import Foundation
import TestSupport
import Testing

/// The web page in a real browser (Playwright driving Debian's Chromium): upload through the widget with pause,
/// resume and a reload, the queue live until published, the player playing, retry with the button, and a console
/// that stayed clean (no error, no failed load such as a missing favicon). Screenshots of the queue and the video
/// page go to `.build/test-artifacts/`.
@Suite("Web status page", .timeLimit(.minutes(8)))
struct PageTests {
    @Test func uploadWatchPlayAndRetryInABrowser() async throws {
        let daemon = try APIDaemon()
        defer { daemon.remove() }
        try await daemon.start()
        // A rejected job for the Retry button.
        try "not a video".write(toFile: daemon.dir.path + "/notes.mp4", atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: daemon.dir.path + "/notes.mp4", toPath: daemon.inbox + "/notes.mp4")
        _ = try await daemon.waitForState(1, ["rejected"])

        let clip = daemon.dir.path + "/widget take.mp4"
        try await Fixtures.clip(clip, seconds: 8, size: "854x480", noise: true)
        let browser = try Fixtures.pythonProcess(
            "page_test.py",
            [daemon.base, daemon.token, clip, "1", Fixtures.artifacts]
        )
        let status = await browser.waitForExit()
        #expect(status == 0, "\(browser.log)")
        let steps = browser.output.filter { $0.hasPrefix("{\"step\"") }
        #expect(steps.count == 8, "\(browser.log)")
        #expect(browser.log.contains("\"kind\": \"hls\""), "Chromium plays the HLS master natively")
        // The upload is the same bytes, ingested once, with the widget's metadata.
        let landed = daemon.inbox + "/widget take.mp4"
        #expect(try await Fixtures.sha256(landed) == (try await Fixtures.sha256(clip)))
        let video = try await daemon.call("GET", "/api/videos/2").json()
        let metadata = video["metadata"] as? [String: Any] ?? [:]
        #expect(metadata["title"] as? String == "Widget take" && metadata["tags"] as? [String] == ["widget", "test"])
        let history = try await daemon.call("GET", "/api/videos/1/processing-status").json()
        let events = (history["stages"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
        #expect(events.contains("manual-retry"))
        #expect(FileManager.default.fileExists(atPath: Fixtures.artifacts + "/queue.png"))
        #expect(FileManager.default.fileExists(atPath: Fixtures.artifacts + "/video.png"))
    }
}
