import Foundation
import IngestCore
import Testing

@Suite("Ignore rules")
struct IgnoreRulesTests {
    let rules = IgnoreRules(extensions: ["mp4", "mov", "mkv"], globs: ["*-draft.*"])

    @Test(arguments: [
        "clip.mp4.part", "clip.tmp", "clip.mp4.crdownload", ".hidden.mp4", "~$clip.mp4", "Thumbs.db", ".DS_Store",
        "notes.txt", "clip.mp4.error.txt", "clip.json", "take-draft.mp4", "noextension",
    ])
    func ignored(name: String) {
        #expect(rules.ignores(fileName: name))
    }

    @Test(arguments: ["clip.mp4", "CLIP.MOV", "line 3 – schweißen.mkv", "a\nb.mp4"])
    func accepted(name: String) {
        #expect(!rules.ignores(fileName: name))
    }
}

@Suite("Stability gate")
struct StabilityGateTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    func file(_ size: Int64, mtime: Int64 = 1, inode: Int64 = 10) -> FileObservation {
        FileObservation(path: "/w/a.mp4", device: 1, inode: inode, size: size, mtimeNs: mtime)
    }

    @Test func readyOnlyAfterHoldingStillForTheSettleTime() {
        var gate = StabilityGate()
        gate.observe(file(100), at: t0)
        #expect(gate.takeReady(at: t0.addingTimeInterval(4.9)) { _ in .seconds(5) }.isEmpty)
        gate.observe(file(200, mtime: 2), at: t0.addingTimeInterval(4.9))
        #expect(gate.takeReady(at: t0.addingTimeInterval(9)) { _ in .seconds(5) }.isEmpty, "growth restarts the clock")
        let ready = gate.takeReady(at: t0.addingTimeInterval(9.9)) { _ in .seconds(5) }
        #expect(ready == [file(200, mtime: 2)])
        #expect(gate.pendingPaths.isEmpty)
    }

    @Test func sameObservationDoesNotRestartTheClock() {
        var gate = StabilityGate()
        gate.observe(file(100), at: t0)
        gate.observe(file(100), at: t0.addingTimeInterval(3))
        #expect(gate.takeReady(at: t0.addingTimeInterval(5)) { _ in .seconds(5) }.count == 1)
    }

    @Test func replacedInodeRestartsTheClock() {
        var gate = StabilityGate()
        gate.observe(file(100), at: t0)
        gate.observe(file(100, inode: 11), at: t0.addingTimeInterval(4))
        #expect(gate.takeReady(at: t0.addingTimeInterval(5)) { _ in .seconds(5) }.isEmpty)
    }

    @Test func forgottenFileIsDropped() {
        var gate = StabilityGate()
        gate.observe(file(100), at: t0)
        gate.forget("/w/a.mp4")
        #expect(gate.takeReady(at: t0.addingTimeInterval(60)) { _ in .seconds(5) }.isEmpty)
    }
}
