import ArgumentParser
import Foundation
import IngestCore
import IngestStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show how many jobs are in each state and how long the oldest one has been waiting."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    struct View: Encodable {
        var counts: [String: Int]
        var total: Int
        var oldestWaiting: JobRecord?
        var oldestWaitingSeconds: Double?
        var nextRetryAt: Date?
    }

    func run() async throws {
        let config = try global.loadConfig(requireWatchFolders: false)
        let status = try await global.withDatabase(config) { try await $0.queueStatus() }
        let now = Date()
        if output.json {
            let counts = status.counts.reduce(into: [String: Int]()) { $0[$1.key.rawValue] = $1.value }
            return try JSONOutput.print(
                View(
                    counts: counts,
                    total: status.total,
                    oldestWaiting: status.oldestWaiting,
                    oldestWaitingSeconds: status.oldestWaiting.map { now.timeIntervalSince($0.createdAt) },
                    nextRetryAt: status.nextRetryAt
                )
            )
        }
        var table = Table(headers: ["STATE", "JOBS"])
        for state in JobState.allCases {
            table.rows.append([state.rawValue, "\(status.counts[state] ?? 0)"])
        }
        table.rows.append(["total", "\(status.total)"])
        print(table.render())
        if let oldest = status.oldestWaiting {
            print(
                "oldest waiting: job \(oldest.id ?? 0), \(Formatting.age(of: oldest.createdAt, now: now)) (\(config.readableSource(oldest.sourcePath, watch: oldest.watchName)))"
            )
        } else {
            print("nothing waiting")
        }
        if let next = status.nextRetryAt { print("next retry due: \(Formatting.timestamp(next))") }
    }
}
