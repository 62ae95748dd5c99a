import IngestCore
import IngestWatcher
import TestSupport
import Testing

@Suite("Filesystem kind and watch plan")
struct FilesystemKindTests {
    @Test(arguments: [
        (FilesystemKind.nfsMagic, FilesystemKind.nfs), (FilesystemKind.smbMagic, .smb),
        (FilesystemKind.cifsMagic, .cifs), (FilesystemKind.smb2Magic, .smb2), (FilesystemKind.fuseMagic, .fuse),
        (0xEF53, .local), (0x0102_1994, .local),
    ])
    func magicNumbersMapToKinds(magic: UInt, kind: FilesystemKind) {
        #expect(FilesystemKind(magic: magic) == kind)
        #expect(kind.isNetwork == (kind != .local))
    }

    @Test func theTempDirectoryIsLocal() throws {
        let magic = try FilesystemKind.magic(of: "/tmp")
        #expect(FilesystemKind(magic: magic) == .local)
        #expect(throws: Errno.self) { try FilesystemKind.magic(of: "/nonexistent/share") }
    }

    @Test func planFollowsModeFilesystemAndSettleOverride() {
        var watch = WatchConfig(name: "w", file: "w.toml", path: "/srv/w")
        let limits = AgentConfig().limits
        let local = WatchPlan.make(watch: watch, limits: limits, filesystem: .local)
        #expect(local.description == "inotify")
        #expect(local.settle == limits.settleTime)
        let nfs = WatchPlan.make(watch: watch, limits: limits, filesystem: .nfs)
        #expect(nfs.description == "poll (nfs)")
        #expect(nfs.settle == limits.networkSettleTime)
        watch.settleTime = .seconds(9)
        #expect(WatchPlan.make(watch: watch, limits: limits, filesystem: .cifs).settle == .seconds(9))
        watch.mode = .poll
        #expect(WatchPlan.make(watch: watch, limits: limits, filesystem: .local).description == "poll (forced)")
        watch.mode = .inotify
        #expect(WatchPlan.make(watch: watch, limits: limits, filesystem: .smb2).description == "inotify")
        #expect(local.fallingBackToPolling().description == "poll (inotify watch limit)")
    }
}
