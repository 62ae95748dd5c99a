import Foundation
import PackagePlugin

/// Serves every file in Sources/IngestAPI/Web with nothing to list by hand: Package.swift embeds the folder, and this
/// compiles in the table the page's routes look files up in (`WebAsset.all`: name → embedded bytes and content type,
/// written by `scripts/web-assets.sh`). Adding a file to the page is adding it to Web/.
@main
struct WebAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let files = module.sourceFiles.filter { $0.type == .resource }.map(\.url).sorted { $0.path < $1.path }
        let script = context.package.directoryURL.appendingPathComponent("scripts/web-assets.sh")
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("WebAssets.swift")
        return [
            .buildCommand(
                displayName: "Web page table of \(target.name) from scripts/web-assets.sh",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, output.path] + files.map(\.path),
                inputFiles: [script] + files,
                outputFiles: [output]
            )
        ]
    }
}
