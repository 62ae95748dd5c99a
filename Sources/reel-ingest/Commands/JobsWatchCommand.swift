import ArgumentParser
import Foundation
import IngestCore
import IngestStore

extension JobsCommand {
    /// `jobs watch`: the jobs in flight with a progress bar, stage and ETA, redrawn in place on a terminal; on a pipe
    /// or file, one plain line whenever a job changes state or moves by 5 %.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Follow the running jobs live: progress, stage and ETA. Stop with Ctrl-C.",
            discussion: "Reads the job database, so it works on the agent's host whether or not the status API is on."
        )

        @OptionGroup var global: GlobalOptions
        @Option(help: "Seconds between refreshes.") var interval = 0.5
        @Flag(help: "Print the current state once and exit.") var once = false

        func validate() throws {
            guard (0.1...60).contains(interval) else { throw ValidationError("--interval must be 0.1...60 seconds") }
        }

        func run() async throws {
            let config = try global.loadConfig(requireWatchFolders: false)
            try await global.withDatabase(config) { database in try await watch(database, config: config) }
        }

        private func watch(_ database: any JobStore, config: AgentConfig) async throws {
            let terminal = isatty(STDOUT_FILENO) == 1 && !once
            var screen = JobsScreen(config: config)
            while true {
                let jobs = try await database.unfinishedJobs(limit: 200)
                let counts = try await database.jobCounts()
                if terminal {
                    screen.redraw(JobsScreen.frame(jobs: jobs, counts: counts, width: JobsScreen.terminalWidth()))
                } else {
                    let lines = screen.changes(jobs)
                    if !lines.isEmpty {
                        // Straight to the descriptor: a reader of the pipe sees each line at once.
                        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
                    }
                }
                if once { return }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }
}

/// What `jobs watch` draws: pure functions of the jobs, so the layout is testable without a terminal.
struct JobsScreen {
    /// Where this machine has each watch's folder: sources are shown under it.
    var config: AgentConfig
    private var drawnLines = 0
    private var last: [Int64: (state: JobState, percent: Int)] = [:]

    init(config: AgentConfig = AgentConfig()) { self.config = config }

    static func frame(jobs: [JobRecord], counts: [JobState: Int], width: Int) -> [String] {
        let running = jobs.filter { $0.state.isActive }
        let waiting = JobState.queued.reduce(0) { $0 + (counts[$1] ?? 0) }
        var lines = [
            "reel-ingest jobs · \(running.count) running · \(waiting) waiting · \(counts[.failed] ?? 0) failed · "
                + "\(counts[.published] ?? 0) published   (Ctrl-C to stop)"
        ]
        if running.isEmpty { lines.append("nothing running") }
        let barWidth = max(10, min(30, width - 60))
        for job in running {
            let percent = job.progress ?? 0
            let filled = Int((percent / 100 * Double(barWidth)).rounded())
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
            let eta = job.etaSeconds.map { " ETA " + Self.eta($0) } ?? ""
            let name = (job.sourcePath as NSString).lastPathComponent.readablePath
            let id = String(job.id ?? 0)
            let state = job.state.rawValue
            let line =
                String(repeating: " ", count: max(0, 6 - id.count)) + id + "  " + state
                + String(repeating: " ", count: max(1, 13 - state.count)) + bar + " "
                + String(format: "%5.1f%%", percent) + eta + "  " + name
            lines.append(String(line.prefix(width)))
        }
        let failed = jobs.filter { $0.state == .failed }.prefix(5)
        for job in failed {
            let next = job.nextAttemptAt.map { " (next attempt \(Formatting.timestamp($0)))" } ?? " (no attempts left)"
            lines.append(String("\(job.id ?? 0) failed: \(job.lastError ?? "?")\(next)".prefix(width)))
        }
        return lines
    }

    /// Moves the cursor back over the previous frame and writes the new one, clearing what is left over.
    mutating func redraw(_ lines: [String]) {
        var output = drawnLines > 0 ? "\u{1B}[\(drawnLines)F" : ""
        for line in lines { output += "\u{1B}[2K" + line + "\n" }
        if drawnLines > lines.count {
            for _ in lines.count..<drawnLines { output += "\u{1B}[2K\n" }
            output += "\u{1B}[\(drawnLines - lines.count)F"
        }
        drawnLines = lines.count
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// Plain lines for a pipe: a job that appeared, changed state or moved by 5 %, and jobs that finished.
    mutating func changes(_ jobs: [JobRecord]) -> [String] {
        var lines: [String] = []
        var seen: [Int64: (state: JobState, percent: Int)] = [:]
        for job in jobs.reversed() {
            guard let id = job.id else { continue }
            let percent = Int((job.progress ?? 0) / 5) * 5
            seen[id] = (job.state, percent)
            if let before = last[id], before.state == job.state, before.percent == percent { continue }
            var line = "job \(id) \(job.state.rawValue)"
            if job.state.isActive { line += " \(percent)%" }
            if let seconds = job.etaSeconds, job.state.isActive { line += " ETA \(Self.eta(seconds))" }
            if job.state == .failed, let error = job.lastError { line += ": \(error)" }
            lines.append(line + " \(config.readableSource(job.sourcePath, watch: job.watchName))")
        }
        for id in last.keys.sorted() where seen[id] == nil { lines.append("job \(id) finished") }
        last = seen
        return lines
    }

    static func eta(_ seconds: Double) -> String {
        Formatting.age(of: Date(timeIntervalSince1970: 0), now: Date(timeIntervalSince1970: max(0, seconds)))
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 100 }
        return Int(size.ws_col)
    }
}
