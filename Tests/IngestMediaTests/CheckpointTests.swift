import Foundation
import TestSupport
import Testing

@testable import IngestMedia

@Suite("checkpoint journal")
struct CheckpointTests {
    private let header = CheckpointRecord.Header(
        version: CheckpointRecord.version,
        input: InputIdentity(size: 10, mtime: 1, headSHA256: "a", tailSHA256: "b"),
        profile: "p",
        layout: "v240; 25/1 fps; delay 2; cuts every 50"
    )

    /// Writes `text` as `name` in `dir` and returns the checkpoint's view of it.
    private func file(_ dir: TempDirectory, _ name: String, _ text: String) throws -> WrittenFile {
        let path = try dir.write(name, text)
        return try FileDigest.digest(path)
    }

    private func segment(_ dir: TempDirectory, _ index: Int) throws -> TrackIndex.Segment {
        let name = String(format: "v240/seg_%05d.m4s", index + 1)
        let written = try file(dir, name, "segment \(index)")
        return TrackIndex.Segment(
            file: name,
            start: Int64(index) * 100,
            duration: 100,
            bytes: written.bytes,
            sha256: written.sha256
        )
    }

    @Test func keepsWhatWasRecordedAndSurvivesATornLine() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let journal = try Checkpoint.create(directory: dir.path, header: header)
        let initFile = try file(dir, "v240/init.mp4", "init")
        try journal.record(
            CheckpointRecord(
                initSegment: .init(track: "v240", file: "v240/init.mp4", bytes: initFile.bytes, sha256: initFile.sha256)
            )
        )
        for index in 0..<2 {
            try journal.record(
                CheckpointRecord(segment: .init(track: "v240", index: index, segment: try segment(dir, index)))
            )
        }
        // A kill in the middle of a line.
        let handle = try #require(FileHandle(forWritingAtPath: dir.path + "/" + Checkpoint.fileName))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"segment\":{\"tra".utf8))
        try handle.close()

        guard case .kept(let kept) = Checkpoint.load(directory: dir.path, header: header) else {
            Issue.record("the journal was not usable")
            return
        }
        #expect(kept.tracks["v240"]?.segments.count == 2)
        #expect(kept.files == ["v240/init.mp4", "v240/seg_00001.m4s", "v240/seg_00002.m4s"])
        #expect(kept.finished.isEmpty)

        // Reopened, the torn line is cut so the next record starts a line of its own.
        let reopened = try Checkpoint.reopen(directory: dir.path)
        try reopened.record(CheckpointRecord(segment: .init(track: "v240", index: 2, segment: try segment(dir, 2))))
        try reopened.record(CheckpointRecord(finished: "v240"))
        guard case .kept(let again) = Checkpoint.load(directory: dir.path, header: header) else {
            Issue.record("the reopened journal was not usable")
            return
        }
        #expect(again.tracks["v240"]?.segments.map(\.file).last == "v240/seg_00003.m4s")
        #expect(again.finished == ["v240"])
    }

    @Test func refusesWhatDoesNotMatch() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        #expect(isNone(Checkpoint.load(directory: dir.path, header: header)))
        let journal = try Checkpoint.create(directory: dir.path, header: header)
        var other = header
        other.layout = "v240; 30/1 fps; delay 2; cuts every 60"
        #expect(
            reason(Checkpoint.load(directory: dir.path, header: other))?.hasPrefix("it was made for another layout")
                == true
        )
        other = header
        other.input.size = 11
        #expect(reason(Checkpoint.load(directory: dir.path, header: other)) == "it was made from another input")
        // A segment recorded before the one before it.
        try journal.record(CheckpointRecord(segment: .init(track: "v240", index: 1, segment: try segment(dir, 1))))
        #expect(
            reason(Checkpoint.load(directory: dir.path, header: header))
                == "the journal lists v240/seg_00002.m4s out of order"
        )
    }

    private func reason(_ loaded: Checkpoint.Loaded) -> String? {
        if case .unusable(let reason) = loaded { return reason }
        return nil
    }

    private func isNone(_ loaded: Checkpoint.Loaded) -> Bool {
        if case .none = loaded { return true }
        return false
    }
}
