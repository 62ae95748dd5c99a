import Foundation
import TestSupport
import Testing

/// `watch add` on a packaged install prints the systemd drop-in that lets the sandboxed service write into the
/// new folder; run as printed, it covers the folder, so a second add below it prints nothing.
@Suite("watch add under the packaged service")
struct ServiceSandboxTests {
    @Test func printsARunnableDropInOnlyWhereItIsNeeded() async throws {
        let root = try TempDirectory()
        defer { root.remove() }
        let config = try root.write(
            "etc/reel-ingest/agent.toml",
            "[agent]\nstate_dir = \"../../var/lib/reel-ingest\"\nscratch_dir = \"../../var/cache/reel-ingest\"\n"
        )
        let environment = ["REEL_INGEST_SYSTEMD_ROOT": root.path]
        let share = try root.mkdir("srv/line 1 (50% speed)")
        let add = { (path: String, name: String) async throws in
            try await CLI.run(["watch", "add", path, "--name", name, "--config", config], environment: environment)
        }

        // No unit installed: nothing to say.
        let plain = try await add(share, "plain")
        #expect(plain.status == 0)
        #expect(!plain.stdout.contains("ReadWritePaths"))
        _ = try await CLI.run(["watch", "remove", "plain", "--config", config], environment: environment)

        try root.write("lib/systemd/system/reel-ingest.service", "[Service]\nExecStart=/usr/bin/reel-ingest run\n")
        let first = try await add(share, "line-1")
        #expect(first.status == 0)
        let dropIn = root.path + "/etc/systemd/system/reel-ingest.service.d/watch-line-1.conf"
        #expect(first.stdout.contains("cat > \(dropIn) <<'EOF'"))
        #expect(first.stdout.contains("ReadWritePaths=\"\(root.path)/srv/line 1 (50%% speed)\"\n"))

        // The admin pastes the commands (all but systemctl, which has no service to restart here).
        let commands = try #require(first.stdout.components(separatedBy: "\n\n").last)
            .components(separatedBy: "systemctl daemon-reload")[0]
        let pasted = try await runProcessAsync("/bin/sh", ["-c", commands])
        #expect(pasted.status == 0, "\(pasted.stderr)")
        #expect(FileManager.default.fileExists(atPath: dropIn))

        let inside = try root.mkdir("srv/line 1 (50% speed)/camera")
        let covered = try await add(inside, "camera")
        #expect(covered.status == 0)
        #expect(!covered.stdout.contains("ReadWritePaths"), "already writable through watch-line-1.conf")

        let removed = try await CLI.run(["watch", "remove", "line-1", "--config", config], environment: environment)
        #expect(removed.stdout.contains("rm \(dropIn) && systemctl daemon-reload"))
    }

    @Test(.enabled(if: ["/home/", "/root"].contains { NSHomeDirectory().hasPrefix($0) }))
    func aFolderInAHomeDirectoryAlsoNeedsHomesReadOnly() async throws {
        let root = try TempDirectory()
        defer { root.remove() }
        let config = try root.write("etc/reel-ingest/agent.toml", "[agent]\nstate_dir = \"state\"\n")
        try root.write("lib/systemd/system/reel-ingest.service", "")
        let environment = ["REEL_INGEST_SYSTEMD_ROOT": root.path]
        let folder = NSHomeDirectory() + "/reel-ingest-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let result = try await CLI.run(["watch", "add", folder, "--config", config], environment: environment)
        #expect(result.status == 0)
        #expect(result.stdout.contains("[Service]\nProtectHome=read-only\nReadWritePaths=\"\(folder)\"\n"))
    }
}
