import ArgumentParser
import Foundation
import IngestCore
import IngestStore
import Logging

/// The agent's own state: for now, moving a single agent's SQLite history into a shared PostgreSQL database.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Move the job database: a single agent's SQLite history into a fleet's PostgreSQL.",
        subcommands: [Migrate.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy every job, stage, upload and publication of this agent's SQLite database into PostgreSQL.",
            discussion: """
                Stop the agent first. The PostgreSQL database must be one no agent has used yet; its schema is \
                created, every row copied in one transaction with its id kept, and the SQLite file left as it \
                was. Then set [database] url in agent.toml and start the agent: it sees the same jobs.
                """
        )

        @OptionGroup var global: GlobalOptions
        @Option(help: "The PostgreSQL database, postgres://USER@HOST[:PORT]/DATABASE (no password in it).")
        var to: String
        @Option(help: "A file holding the password (chmod 600); else $PGPASSWORD.") var passwordFile: String?

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            let sourcePath = config.databasePath
            guard FileManager.default.fileExists(atPath: sourcePath) else {
                throw Failure(
                    "no SQLite job database at \(sourcePath) (agent.state_dir of \(config.file ?? "the defaults"))"
                )
            }
            var settings = DatabaseSettings()
            do {
                settings.postgres = try PostgresLocation(url: to)
            } catch {
                throw Failure("--to: \(error)")
            }
            guard settings.postgres?.password == nil else {
                throw Failure("--to: put the password in --password-file or $PGPASSWORD, never in the URL")
            }
            settings.passwordFile = passwordFile
            guard let target = try settings.resolvedPostgres(environment: ProcessInfo.processInfo.environment) else {
                return
            }
            let source = try SQLiteStore(path: sourcePath)
            let counts = try await PostgresStore.withStore(target, logger: Logger(label: "reel-ingest")) { store in
                try await store.importHistory(from: source) { table, rows in print("copied \(rows) rows of \(table)") }
            }
            let jobs = counts.first { $0.table == "video_processing_jobs" }?.rows ?? 0
            print(
                """
                done: \(jobs) jobs from \(sourcePath) are in \(target); set [database] url = "\(target)" \
                in agent.toml and start the agent
                """
            )
        }
    }
}
