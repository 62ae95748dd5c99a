import ArgumentParser
import IngestAgent

struct RetrySweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-sweep",
        abstract: "Re-queue failed jobs whose retry time has come. Run it from cron or the systemd timer."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let config = try global.loadConfig(requireWatchFolders: false)
        let sweep = RetrySweep(database: try global.openDatabase(config), policy: config.retry)
        let report = try await sweep.run()
        if output.json { return try JSONOutput.print(report) }
        let ids = report.requeued.map(String.init).joined(separator: ", ")
        print("re-queued \(report.requeued.count) failed job(s)" + (ids.isEmpty ? "" : ": \(ids)"))
        for error in report.errors { print("skipped \(error)") }
    }
}
