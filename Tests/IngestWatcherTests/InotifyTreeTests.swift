import Foundation
import IngestCore
import IngestWatcher
import TestSupport
import Testing

@Suite("inotify tree as an AsyncSequence")
struct InotifyTreeTests {
    static let scanner = TreeScanner(rules: IgnoreRules(extensions: ["mp4"], globs: []), recursive: true)

    /// The next change matching `predicate`, or nil after `timeout`.
    static func next(
        _ iterator: inout AsyncStream<FolderChange>.Iterator,
        timeout: Duration = .seconds(60),
        where predicate: (FolderChange) -> Bool
    ) async -> FolderChange? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, let change = await iterator.next() {
            if predicate(change) { return change }
        }
        return nil
    }

    @Test func reportsStartupScanClosedFilesNewFoldersAndRemovals() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write("already.mp4", "x")
        var changes = try InotifyTree.changes(root: dir.path, recursive: true, scanner: Self.scanner)
            .makeAsyncIterator()

        let startup = await Self.next(&changes) { if case .scanned(_, _, true) = $0 { true } else { false } }
        guard case .scanned(let result, _, _) = startup else {
            Issue.record("no start-up scan")
            return
        }
        #expect(result.files.map(\.path) == [dir.path + "/already.mp4"])

        try dir.write("new.mp4", "y")
        // Other suites in this process share the one inotify queue (the overflow test floods it on purpose), so
        // new.mp4 may arrive by its close-write or, after an overflow, in a rescan; either must report it.
        let newPath = dir.path + "/new.mp4"
        let written = await Self.next(&changes) { change in
            switch change {
            case .file(let f): f.path == newPath
            case .scanned(let r, _, _): r.files.contains { $0.path == newPath }
            default: false
            }
        }
        let reported: FileObservation?
        switch written {
        case .file(let f): reported = f
        case .scanned(let r, _, _): reported = r.files.first { $0.path == newPath }
        default: reported = nil
        }
        let file = try #require(reported, "new.mp4 was not reported")
        #expect(file.size == 1)

        try dir.write("a/b/c/deep.mp4", "z")
        let deep = await Self.next(&changes) { change in
            switch change {
            case .file(let f): f.path.hasSuffix("/deep.mp4")
            case .scanned(let r, _, false): r.files.contains { $0.path.hasSuffix("/deep.mp4") }
            default: false
            }
        }
        #expect(deep != nil)

        try FileManager.default.removeItem(atPath: dir.path + "/new.mp4")
        let removed = await Self.next(&changes) { if case .removed = $0 { true } else { false } }
        guard case .removed(let path) = removed else {
            Issue.record("no removal")
            return
        }
        #expect(path == dir.path + "/new.mp4")
    }
}
