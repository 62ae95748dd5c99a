import Foundation
import IngestCore
import IngestStore
import IngestWatcher
import TestSupport
import Testing

@testable import IngestAgent

@Suite("Watcher: identity, rules and feedback", .serialized)
struct WatcherIntakeTests {
    @Test func sameContentUnderTwoNamesBecomesADuplicateOfTheFirst() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            try h.write("first.mp4", "identical frames")
            let first = try #require(try await h.hashedJob("first.mp4", in: .stable))
            try h.write("copy of first.mp4", "identical frames")
            let copy = try #require(try await h.job("copy of first.mp4", in: .duplicate))
            #expect(copy.duplicateOf == first.id)
            #expect(copy.contentSha256 == first.contentSha256)
        }
    }

    @Test func copiesCheckedAtTheSameTimeHaveExactlyOneOriginal() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            for i in 0..<20 { try h.write("copy \(i).mp4", String(repeating: "same frames ", count: 50_000)) }
            _ = try await h.jobs(count: 20)
            // The hash and the duplicate link commit together: once every job has its hash, all are decided.
            var jobs: [JobRecord] = []
            let deadline = ContinuousClock.now + .seconds(20)
            repeat {
                jobs = try await h.database.jobs(limit: 100)
                if jobs.allSatisfy({ $0.contentSha256 != nil }) { break }
                try await Task.sleep(for: .milliseconds(50))
            } while ContinuousClock.now < deadline
            let originals = jobs.filter { $0.state == .stable }
            #expect(originals.count == 1)
            let duplicates = jobs.filter { $0.state == .duplicate }
            #expect(duplicates.count == 19)
            #expect(duplicates.allSatisfy { $0.duplicateOf == originals.first?.id })
        }
    }

    @Test func fileReplacedInPlaceIsRequeuedAsNewContent() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            try h.write("take.mp4", "first version")
            let first = try #require(try await h.hashedJob("take.mp4", in: .stable))
            try await Task.sleep(for: .milliseconds(20))
            try h.write("take.mp4", "second version, longer")
            _ = try await h.job("take.mp4", in: .cancelled)
            let second = try #require(try await h.hashedJob("take.mp4", in: .stable))
            #expect(second.id != first.id)
            #expect(try await h.jobs(count: 2).count == 2)
            #expect(second.contentSha256 != first.contentSha256)
            let firstID = try #require(first.id)
            let old = try #require(try await h.database.job(id: firstID))
            #expect(old.state == .cancelled)
        }
    }

    @Test func symlinkPointingOutsideTheRootIsRejectedAndLogged() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        let outside = try h.dir.write("secret/recording.mp4", "frames")
        try await h.run { h in
            try FileManager.default.createSymbolicLink(atPath: h.inbox + "/escape.mp4", withDestinationPath: outside)
            let job = try #require(try await h.job("escape.mp4", in: .rejected))
            #expect(job.lastError?.contains("outside the watched folder") == true)
            try await h.log.waitFor("symbolic link points outside the watched folder")
            try await h.log.waitFor("rejected job=")
            #expect(FileManager.default.fileExists(atPath: h.inbox + "/escape.mp4.error.txt"))
            // Never followed: nothing read the target.
            #expect(job.contentSha256 == nil)
        }
    }

    @Test func sparseOversizeFileIsRejectedFromItsStatWithoutReading() async throws {
        let h = try WatchHarness { config, _ in config.limits.maxFileSize = 1_048_576 }
        defer { h.remove() }
        try await h.run { h in
            let path = h.inbox + "/huge.mp4"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            // Sparse: 8 GiB of size and no blocks, so the test stays fast.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 8 << 30)
            try handle.close()
            let job = try #require(try await h.job("huge.mp4", in: .rejected))
            #expect(job.lastError?.contains("file too large") == true)
            #expect(job.contentSha256 == nil)
            try await h.log.waitFor("rejected job=")
            let note = try String(contentsOfFile: path + ".error.txt", encoding: .utf8)
            #expect(note.contains("file too large"))
            #expect(note.contains("What to do"))
        }
    }

    @Test func rejectionWritesANoteAndMovesTheSourceWhenAsked() async throws {
        let h = try WatchHarness { _, watch in watch.onFailure = .move(to: "failed") }
        defer { h.remove() }
        // The fake stands in for reel-ingest-media: this test is about the feedback path, not libav.
        try await h.run(prober: FakeProber()) { h in
            try h.write("line 2/notes.mp4", "plain text, not a video")
            try h.write("line 2/notes.json", #"{"title": "Notes"}"#)
            let job = try #require(try await h.job("notes.mp4", in: .rejected))
            #expect(job.lastError == "not a video file")
            try await h.log.waitFor("rejected job=")
            let moved = h.inbox + "/failed/line 2/notes.mp4"
            #expect(FileManager.default.fileExists(atPath: moved))
            #expect(FileManager.default.fileExists(atPath: moved + ".error.txt"))
            #expect(FileManager.default.fileExists(atPath: h.inbox + "/failed/line 2/notes.json"))
            #expect(!FileManager.default.fileExists(atPath: h.inbox + "/line 2/notes.mp4"))
            // The move target is not watched: the moved file is not queued again.
            try await Task.sleep(for: .seconds(1))
            #expect(try await h.database.jobs(limit: 10).count == 1)
        }
    }

    @Test func textFileNamedMp4IsRejectedByTheRealProbe() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        let prober = SubprocessProber(executable: TestBinaries.mediaWorker)
        try await h.run(prober: prober) { h in
            try h.write("readme.mp4", "This is a text file, not a recording.\n")
            let job = try #require(try await h.job("readme.mp4", in: .rejected))
            #expect(job.lastError == "not a video file")
            try await h.log.waitFor("rejected job=")
            let note = try String(contentsOfFile: h.inbox + "/readme.mp4.error.txt", encoding: .utf8)
            #expect(note.contains("not a video file"))
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")))
    func realClipPassesTheRealProbe() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        // Made by the ffmpeg CLI outside the folder, then moved in whole.
        let clip = h.dir.path + "/clip.mp4"
        let ffmpeg = try await runProcessAsync(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "testsrc=size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p", clip,
            ]
        )
        #expect(ffmpeg.status == 0)
        let prober = SubprocessProber(executable: TestBinaries.mediaWorker)
        let answers = ProbeAnswers()
        try await h.run(prober: prober, probeAnswers: answers) { h in
            try FileManager.default.moveItem(atPath: clip, toPath: h.inbox + "/clip.mp4")
            try await h.log.waitFor("recorded")
            let job = try #require(try await h.job("clip.mp4", in: .stable))
            #expect(job.lastError == nil)
            #expect(!FileManager.default.fileExists(atPath: h.inbox + "/clip.mp4.error.txt"))
            // The probe stage gets intake's answer for this file instead of starting the worker again.
            let path = h.inbox + "/clip.mp4"
            let file = try #require(FileSystemCalls.lstat(path).map { FileObservation(path: path, stat: $0) })
            let id = try #require(job.id)
            let summary = try #require(answers.take(job: id, file: file, limits: h.box.config.limits))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let report = try decoder.decode(ProbeReport.self, from: Data(summary.utf8))
            #expect(report.displayWidth == 160)
            #expect(answers.take(job: id, file: file, limits: h.box.config.limits) == nil, "an answer is used once")
        }
    }

    @Test func metadataComesFromTheFoldersAndTheSidecarOverridesIt() async throws {
        let h = try WatchHarness { _, watch in watch.metadataTemplate = "{machineModel}/{process}" }
        defer { h.remove() }
        try await h.run { h in
            try h.write("M-200/welding/take 1.json", #"{"title": "Seam weld", "tags": ["weld", "safety"]}"#)
            try h.write("M-200/welding/take 1.mp4", "frames")
            try h.write("M-300/cutting/take 2.mp4", "other frames")
            let first = try #require(try await h.job("take 1.mp4", in: .stable))
            let second = try #require(try await h.job("take 2.mp4", in: .stable))
            let one = try JSONSerialization.jsonObject(with: Data((first.metadata ?? "").utf8)) as? [String: Any]
            #expect(one?["machineModel"] as? String == "M-200")
            #expect(one?["process"] as? String == "welding")
            #expect(one?["title"] as? String == "Seam weld")
            #expect(one?["tags"] as? [String] == ["weld", "safety"])
            let two = try JSONSerialization.jsonObject(with: Data((second.metadata ?? "").utf8)) as? [String: Any]
            #expect(two?["machineModel"] as? String == "M-300")
            #expect(two?["title"] as? String == "take 2")
        }
    }

    @Test func malformedSidecarIsAClearErrorOnThatJob() async throws {
        let h = try WatchHarness()
        defer { h.remove() }
        try await h.run { h in
            try h.write("bad.json", #"{"title": "unterminated"#)
            try h.write("bad.mp4", "frames")
            try h.write("good.mp4", "other frames")
            let bad = try #require(try await h.job("bad.mp4", in: .rejected))
            try await h.log.waitFor("rejected job=")
            #expect(bad.lastError?.contains("bad.json: not valid JSON") == true)
            _ = try await h.job("good.mp4", in: .stable)
            let note = try String(contentsOfFile: h.inbox + "/bad.mp4.error.txt", encoding: .utf8)
            #expect(note.contains("Fix bad.json"))
        }
    }
}
