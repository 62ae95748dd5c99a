import Foundation
import IngestCore
import IngestWatcher
import TestSupport
import Testing

/// `on_success` runs only after publishing, which does not exist yet: the executor is tested directly.
@Suite("Source actions and error notes")
struct SourceActionExecutorTests {
    @Test func keepLeavesTheFileWhereItIs() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = try dir.write("a.mp4", "x")
        #expect(try SourceActionExecutor(root: dir.path).apply(.keep, to: file) == file)
        #expect(FileManager.default.fileExists(atPath: file))
    }

    @Test func moveKeepsSubfoldersTakesTheSidecarAndNoteAndAvoidsClobbering() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let executor = SourceActionExecutor(root: dir.path)
        let file = try dir.write("M-200/welding/take 1.mp4", "video")
        try dir.write("M-200/welding/take 1.json", "{}")
        try executor.writeErrorNote(for: file, problem: "not a video file", advice: "Save it as MP4.")
        try dir.write("done/M-200/welding/take 1.mp4", "an earlier file of the same name")
        let moved = try executor.apply(.move(to: "done"), to: file)
        #expect(moved == dir.path + "/done/M-200/welding/take 1 (2).mp4")
        #expect(try String(contentsOfFile: try #require(moved), encoding: .utf8) == "video")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/done/M-200/welding/take 1 (2).json"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/done/M-200/welding/take 1 (2).mp4.error.txt"))
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(
            try String(contentsOfFile: dir.path + "/done/M-200/welding/take 1.mp4", encoding: .utf8).hasPrefix("an")
        )
    }

    @Test func moveToAnAbsoluteDirectory() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let root = try dir.mkdir("share")
        let file = try dir.write("share/b.mov", "video")
        let moved = try SourceActionExecutor(root: root).apply(.move(to: dir.path + "/archive"), to: file)
        #expect(moved == dir.path + "/archive/b.mov")
    }

    @Test func deleteRemovesTheFileAndItsSidecar() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = try dir.write("c.mp4", "video")
        try dir.write("c.json", "{}")
        #expect(try SourceActionExecutor(root: dir.path).apply(.delete, to: file) == nil)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/c.json"))
    }

    @Test func errorNoteSaysWhatWasWrongAndWhatToDo() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = try dir.write("line 3/take.mp4", "x")
        let note = try SourceActionExecutor(root: dir.path).writeErrorNote(
            for: file,
            problem: "file too large: 2 GiB exceeds the limit of 500 MiB",
            advice: "Shorten it."
        )
        #expect(note == file + ".error.txt")
        let text = try String(contentsOfFile: note, encoding: .utf8)
        #expect(text.contains("\"take.mp4\""))
        #expect(text.contains("What was wrong: file too large: 2 GiB exceeds the limit of 500 MiB"))
        #expect(text.contains("What to do: Shorten it."))
    }
}

@Suite("Source metadata")
struct SourceMetadataTests {
    @Test func templateFillsFieldsFromFoldersInOrder() {
        let fields = SourceMetadata.fromTemplate(
            "{machineModel}/{process}/{title}",
            relativePath: "M-200/weld/Seam/x.mp4"
        )
        #expect(fields == ["machineModel": "M-200", "process": "weld", "title": "Seam"])
        let short = SourceMetadata.fromTemplate("{machineModel}/{process}", relativePath: "M-200/take 1.mp4")
        #expect(short == ["machineModel": "M-200", "title": "take 1"])
        #expect(SourceMetadata.fromTemplate(nil, relativePath: "a/b.mkv") == ["title": "b"])
    }

    @Test func sidecarOverridesAndIsChecked() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let video = try dir.write("M-1/v.mp4", "x")
        try dir.write("M-1/v.json", #"{"title": "Override", "customerAccess": true, "tags": ["a"]}"#)
        let json = try SourceMetadata.resolve(template: "{machineModel}", root: dir.path, path: video)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["title"] as? String == "Override")
        #expect(object["machineModel"] as? String == "M-1")
        #expect(object["tags"] as? [String] == ["a"])

        try dir.write("M-1/v.json", #"{"titel": "typo"}"#)
        let unknown = #expect(throws: SourceMetadata.SidecarError.self) {
            try SourceMetadata.resolve(template: nil, root: dir.path, path: video)
        }
        #expect(unknown?.problem.hasPrefix("unknown field \"titel\"") == true)
        try dir.write("M-1/v.json", #"["not", "an", "object"]"#)
        #expect(throws: SourceMetadata.SidecarError.self) {
            try SourceMetadata.resolve(template: nil, root: dir.path, path: video)
        }
        try dir.write("M-1/v.json", #"{"tags": "one"}"#)
        let wrongType = #expect(throws: SourceMetadata.SidecarError.self) {
            try SourceMetadata.resolve(template: nil, root: dir.path, path: video)
        }
        #expect(wrongType?.problem == "\"tags\" must be a list of strings")
    }
}

@Suite("Content hash and probe child")
struct ContentHasherTests {
    @Test func sha256MatchesTheSha256sumTool() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // Larger than the buffer, so several reads feed one digest.
        let file = try dir.write("big.bin", String(repeating: "0123456789abcdef", count: 200_000))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let expected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: " ").first.map(String.init)
        process.waitUntilExit()
        #expect(try ContentHasher.sha256(path: file) == expected)
        let missing = #expect(throws: Errno.self) { try ContentHasher.sha256(path: dir.path + "/none") }
        #expect(missing?.code == ENOENT)
    }

    @Test func probeChildExitCodesMapToOutcomes() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let rejecting = try dir.write(
            "reject.sh",
            "#!/bin/sh\necho 'reel-ingest-media: not a video file' >&2\nexit 1\n",
            mode: 0o755
        )
        let accepting = try dir.write("accept.sh", "#!/bin/sh\necho '{\"container\": \"mov\"}'\n", mode: 0o755)
        let crashing = try dir.write("crash.sh", "#!/bin/sh\nkill -SEGV $$\n", mode: 0o755)
        let hanging = try dir.write("hang.sh", "#!/bin/sh\nexec sleep 30\n", mode: 0o755)
        #expect(await SubprocessProber(executable: rejecting).probe("x") == .rejected(reason: "not a video file"))
        #expect(
            await SubprocessProber(executable: accepting).probe("x")
                == .media(container: "mov", summary: "{\"container\": \"mov\"}\n")
        )
        guard case .unavailable = await SubprocessProber(executable: crashing).probe("x") else {
            Issue.record("a crashing probe must not reject the file")
            return
        }
        let started = ContinuousClock.now
        let outcome = await SubprocessProber(executable: hanging, timeout: .milliseconds(300)).probe("x")
        #expect(outcome == .unavailable(reason: "probe timed out after 0.3 s"))
        #expect(ContinuousClock.now - started < .seconds(10))
        guard case .unavailable = await SubprocessProber(executable: dir.path + "/missing").probe("x") else {
            Issue.record("a missing probe must not reject the file")
            return
        }
    }
}
