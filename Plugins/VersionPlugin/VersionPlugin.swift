import Foundation
import PackagePlugin

/// Compiles the version of the checkout into the target (`scripts/version.sh`: VERSION plus git), so that
/// `reel-ingest --version` is right from a clean clone, `make deb` and a plain `swift build` alike. A prebuild
/// command runs on every build; the script rewrites its output only when the version changes.
@main
struct VersionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let script = context.package.directoryURL.appendingPathComponent("scripts/version.sh")
        return [
            .prebuildCommand(
                displayName: "Version of \(target.name) from scripts/version.sh",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, "--swift", output.appendingPathComponent("BuildVersion.swift").path],
                outputFilesDirectory: output
            )
        ]
    }
}
