import ArgumentParser
import Foundation
import IngestCore
import IngestStore

extension JobState: ExpressibleByArgument {}

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List and inspect jobs, retry failed ones, cancel queued ones.",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self, Watch.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the newest jobs.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only jobs in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).")
        var state: JobState?
        @Option(help: "At most this many jobs.") var limit = 50

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let jobs = try await global.withDatabase(config) { try await $0.jobs(state: state, limit: limit) }
            if output.json { return try JSONOutput.print(jobs) }
            var table = Table(headers: ["ID", "STATE", "TRIES", "UPDATED", "SOURCE"])
            for job in jobs {
                table.rows.append([
                    "\(job.id ?? 0)", job.state.rawValue, "\(job.attempts)", Formatting.timestamp(job.updatedAt),
                    config.readableSource(job.sourcePath, watch: job.watchName),
                ])
            }
            print(jobs.isEmpty ? "no jobs" : table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job and its history.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Job id.") var id: Int64

        struct Detail: Encodable {
            var job: JobRecord
            var stages: [StageRecord]
        }

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let (found, stages) = try await global.withDatabase(config) { database in
                (try await database.job(id: id), try await database.stages(ofJob: id))
            }
            guard let job = found else { throw Failure("no job with id \(id)") }
            if output.json { return try JSONOutput.print(Detail(job: job, stages: stages)) }
            print("job \(id)  \(job.state.rawValue)")
            print("  video id:  \(job.videoId)")
            print("  source:    \(config.readableSource(job.sourcePath, watch: job.watchName))")
            print("  watch:     \(job.watchName ?? "-")   profile: \(job.profile)   priority: \(job.priority)")
            print(
                "  attempts:  \(job.attempts)"
                    + (job.nextAttemptAt.map { "   next attempt: \(Formatting.timestamp($0))" } ?? "")
            )
            if let error = job.lastError { print("  last error: \(error)") }
            if let original = job.duplicateOf { print("  duplicate of job \(original)") }
            print("history:")
            var table = Table(headers: ["  AT", "FROM", "TO", "EVENT", "MESSAGE"])
            for stage in stages {
                table.rows.append([
                    "  " + Formatting.timestamp(stage.createdAt), stage.fromState?.rawValue ?? "-",
                    stage.toState.rawValue,
                    stage.event, stage.message ?? "",
                ])
            }
            print(table.render())
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract: "Put a failed, rejected or cancelled job back in the queue with a fresh set of attempts."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job id.") var id: Int64

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let job = try await apply(.retry(manual: true), to: id, config: config, global: global)
            print("job \(id) re-queued (\(job.state.rawValue))")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Stop a job that has not finished; its source file is left where it is."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job id.") var id: Int64

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            _ = try await apply(.cancelled(reason: "cancelled by admin"), to: id, config: config, global: global)
            print("job \(id) cancelled")
        }
    }
}

/// Applies an admin's event, turning store errors into sentences.
private func apply(_ event: JobEvent, to id: Int64, config: AgentConfig, global: GlobalOptions) async throws
    -> JobRecord
{
    do {
        return try await global.withDatabase(config) { try await $0.apply(event, toJob: id, policy: config.retry) }
    } catch let error as IllegalTransition {
        throw Failure("job \(id): \(error)")
    } catch let error as StoreError {
        throw Failure(error.description)
    }
}
