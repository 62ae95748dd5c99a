import Foundation
import IngestCore
import IngestWatcher
import TestSupport
import Testing

/// libinotifytools is one global instance per process, so these run one at a time.
@Suite("libinotifytools wrapper", .serialized)
struct InotifyToolsTests {
    @Test func closeWriteEventArrivesWithTheFileName() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // The hub is the process's only reader of the library's queue (other suites watch too).
        let hub = InotifyHub.shared
        let (events, continuation) = AsyncStream<InotifyEvent>.makeStream()
        let id = try hub.subscribe(root: dir.path) { event in
            if event.mask.contains(.closeWrite) { continuation.yield(event) }
        }
        defer { hub.unsubscribe(id) }
        try hub.tools.watch(dir.path, recursive: true)
        defer { hub.tools.unwatch(dir.path) }
        try dir.write("line 3 – take 1.mp4", "frames")
        var iterator = events.makeAsyncIterator()
        let received = try #require(await iterator.next())
        #expect(received.name == "line 3 – take 1.mp4")
        #expect(received.path == dir.path + "/line 3 – take 1.mp4")
    }

    @Test func watchesAreCountedFromTheKernel() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write("a/b/c/x.mp4", "x")
        try InotifyTools.shared.initialize()
        try InotifyTools.shared.watch(dir.path, recursive: true)
        // Other suites in this process watch folders too, so only a lower bound is certain.
        #expect(InotifyTools.kernelWatchCount >= 4)
        InotifyTools.shared.unwatchTree(dir.path)
    }

    @Test func watchingAMissingFolderThrowsENOENT() throws {
        try InotifyTools.shared.initialize()
        let error = #expect(throws: Errno.self) {
            try InotifyTools.shared.watch("/nonexistent/share", recursive: false)
        }
        #expect(error?.code == ENOENT)
        #expect(error?.message == "No such file or directory")
        #expect(error?.description == "watch /nonexistent/share: No such file or directory (errno 2)")
    }

    @Test func kernelLimitsAreReadable() throws {
        let sysctl = try String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8)
        #expect(InotifyTools.maxUserWatches == Int(sysctl.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(InotifyTools.maxQueuedEvents >= 16)
    }
}

@Suite("Tree scanner")
struct TreeScannerTests {
    @Test func findsVideosSkipsTempFilesAndReportsSymlinks() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write("a.mp4", "x")
        try dir.write("sub/deeper/b.mov", "yy")
        try dir.write("sub/c.mp4.part", "z")
        try dir.write(".hidden/d.mp4", "z")
        try dir.write("notes.txt", "z")
        try dir.write("name\nwith newline.mkv", "z")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link.mp4", withDestinationPath: "/etc/hostname")
        let scanner = TreeScanner(rules: IgnoreRules(extensions: ["mp4", "mov", "mkv"], globs: []), recursive: true)
        let result = scanner.scan(dir.path)
        let names = result.files.map { String($0.path.dropFirst(dir.path.count + 1)) }
        #expect(names == ["a.mp4", "name\nwith newline.mkv", "sub/deeper/b.mov"])
        #expect(result.files.first?.size == 1)
        #expect(result.symlinks == [dir.path + "/link.mp4"])
        #expect(result.errors.isEmpty)

        let flat = TreeScanner(rules: scanner.rules, recursive: false).scan(dir.path)
        #expect(flat.files.count == 2)
    }

    @Test func unreadableRootIsReportedNotThrown() {
        let result = TreeScanner(rules: IgnoreRules(extensions: ["mp4"], globs: []), recursive: true).scan(
            "/nonexistent"
        )
        #expect(result.files.isEmpty)
        #expect(result.errors.first?.code == ENOENT)
    }
}
