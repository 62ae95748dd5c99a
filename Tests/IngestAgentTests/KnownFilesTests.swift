import IngestCore
import Testing

@testable import IngestAgent

/// The watcher's memory of versions already taken follows the folder: what is gone is forgotten.
@Suite struct KnownFilesTests {
    func file(_ path: String, inode: Int64 = 1) -> FileObservation {
        FileObservation(path: path, device: 1, inode: inode, size: 10, mtimeNs: 5)
    }

    @Test func versionsAreKnownUntilTheirPathGoes() {
        var known = KnownFiles([file("/w/a.mp4"), file("/w/a.mp4", inode: 2), file("/w/b.mp4")])
        #expect(known.contains(file("/w/a.mp4")) && known.contains(file("/w/a.mp4", inode: 2)))
        #expect(!known.contains(file("/w/a.mp4", inode: 3)))
        known.forget("/w/a.mp4")
        #expect(!known.contains(file("/w/a.mp4")) && !known.contains(file("/w/a.mp4", inode: 2)))
        #expect(known.contains(file("/w/b.mp4")))
        #expect(known.paths == 1)
    }

    @Test func aFolderGoneTakesEverythingBelowIt() {
        var known = KnownFiles([file("/w/line 1/a.mp4"), file("/w/line 1/x/b.mp4"), file("/w/line 10/c.mp4")])
        known.forget(under: "/w/line 1")
        #expect(known.paths == 1)
        #expect(known.contains(file("/w/line 10/c.mp4")))
    }

    @Test func aCompleteScanKeepsOnlyWhatItListedUnderItsRoot() {
        var known = KnownFiles([file("/w/a.mp4"), file("/w/b.mp4"), file("/other/c.mp4")])
        known.insert(file("/w/d.mp4"))
        known.keep(under: "/w", only: ["/w/b.mp4", "/w/d.mp4"])
        #expect(!known.contains(file("/w/a.mp4")))
        #expect(known.contains(file("/w/b.mp4")) && known.contains(file("/w/d.mp4")))
        #expect(known.contains(file("/other/c.mp4")), "another root's files are not this scan's to judge")
    }
}
