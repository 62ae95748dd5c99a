import Foundation
import IngestCore
import IngestWatcher
import TestSupport
import Testing

/// Names that are not UTF-8 (a Latin-1 `Übung 3.mp4` from an old Windows workstation on a Samba share): found by the
/// scan and by inotify, and moved, noted and deleted by their exact bytes. Files are made and listed by Python.
@Suite("file names that are not UTF-8")
struct ByteFileNameTests {
    static let latin1Name: [UInt8] = [0xDC] + RawFileNames.bytes("bung 3.mp4")
    static let latin1Folder: [UInt8] = [0xC9] + RawFileNames.bytes("quipe")

    @Test func scanFindsThemWithTheirBytes() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = try dir.write("clip.bin", "video bytes")
        let root = RawFileNames.bytes(dir.path)
        try await RawFileNames.drop(clip, into: root, as: Self.latin1Name)
        try await RawFileNames.drop(clip, into: root + [0x2F] + Self.latin1Folder, as: RawFileNames.bytes("take.mp4"))

        let result = TreeScanner(rules: IgnoreRules(extensions: ["mp4"], globs: []), recursive: true).scan(dir.path)
        let found = Set(result.files.map { FileSystemName.encode($0.path) })
        #expect(
            found == [
                root + [0x2F] + Self.latin1Name, root + [0x2F] + Self.latin1Folder + RawFileNames.bytes("/take.mp4"),
            ]
        )
        #expect(result.files.allSatisfy { $0.size == 11 })
        #expect(result.errors.isEmpty)
    }

    @Test func inotifyReportsThemWithTheirBytes() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = try dir.write("clip.bin", "video bytes")
        let scanner = TreeScanner(rules: IgnoreRules(extensions: ["mp4"], globs: []), recursive: true)
        var changes = try InotifyTree.changes(root: dir.path, recursive: true, scanner: scanner).makeAsyncIterator()
        let expected = RawFileNames.bytes(dir.path + "/") + Self.latin1Name
        try await RawFileNames.drop(clip, into: RawFileNames.bytes(dir.path), as: Self.latin1Name)
        var seen: FileObservation?
        while seen == nil, let change = await changes.next() {
            switch change {
            case .file(let file) where FileSystemName.encode(file.path) == expected: seen = file
            case .scanned(let result, _, _): seen = result.files.first { FileSystemName.encode($0.path) == expected }
            default: continue
            }
        }
        #expect(seen?.size == 11)
        #expect(seen?.path.readablePath == dir.path + #"/\xDCbung 3.mp4"#)
    }

    @Test func noteMoveAndDeleteUseTheExactName() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let clip = try dir.write("clip.bin", "video bytes")
        let root = RawFileNames.bytes(dir.path)
        let folder = root + [0x2F] + Self.latin1Folder
        try await RawFileNames.drop(clip, into: folder, as: Self.latin1Name)
        let path = FileSystemName.decode(folder + [0x2F] + Self.latin1Name)
        let executor = SourceActionExecutor(root: dir.path)

        try executor.writeErrorNote(for: path, problem: "not a video file", advice: "Save it as MP4.")
        let note = Self.latin1Name + RawFileNames.bytes(".error.txt")
        #expect(try await RawFileNames.list(folder) == [Self.latin1Name, note])
        let text = String(decoding: try await RawFileNames.read(folder + [0x2F] + note), as: UTF8.self)
        #expect(text.contains(#"could not take "\xDCbung 3.mp4""#))

        let moved = try #require(try executor.apply(.move(to: "done"), to: path))
        let doneFolder = root + RawFileNames.bytes("/done/") + Self.latin1Folder
        #expect(try await RawFileNames.list(doneFolder) == [Self.latin1Name, note])
        #expect(FileSystemName.encode(moved) == doneFolder + [0x2F] + Self.latin1Name)
        #expect(try await RawFileNames.read(doneFolder + [0x2F] + Self.latin1Name) == Data("video bytes".utf8))
        #expect(try await RawFileNames.list(folder).isEmpty)

        #expect(try executor.apply(.delete, to: moved) == nil)
        #expect(try await RawFileNames.list(doneFolder) == [note])
    }
}
