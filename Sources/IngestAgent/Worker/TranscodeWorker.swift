import Dispatch
import Foundation
import IngestCore

/// Runs one `reel-ingest transcode` as a child process and watches it: progress comes as JSON lines on its
/// stdout, a failure as one line on stderr and exit status 1. A crash (signal) or a run past the wall-clock
/// limit fails the job with a plain reason and never touches the agent.
public struct TranscodeWorker: Sendable {
    /// The `reel-ingest` executable (it execs the media worker beside it).
    public var executable: String
    public var timeout: Duration
    /// Between SIGTERM and SIGKILL when the time is up or the job is stopped.
    public var killGrace: Duration = .seconds(5)
    /// Added to the child's environment (the worker's resource limits, see `WorkerLimits`).
    public var environment: [String: String] = [:]

    public init(executable: String, timeout: Duration) {
        self.executable = executable
        self.timeout = timeout
    }

    /// The arguments of a transcode of `input` into `output`.
    public static func transcodeArguments(input: String, output: String, profile: String, config: String?) -> [String] {
        ["transcode", input, "--out", output, "--profile", profile, "--progress", "json"]
            + (config.map { ["--config", $0] } ?? [])
    }

    /// Runs the child to the end; every line it prints (progress, finished files) reaches `messages` in order.
    /// Blocking work (reading pipes, waiting) happens on dedicated threads.
    public func run(
        arguments: [String],
        messages: @escaping @Sendable (WorkerMessage) -> Void
    ) async throws(WorkerFailure) {
        try await run(arguments: arguments, control: nil, messages: messages)
    }

    /// As `run(arguments:messages:)`; stopping `control` ends the child (SIGTERM, SIGKILL after `killGrace`).
    /// `started` gets the child's process id.
    func run(
        arguments: [String],
        control: JobControl?,
        started: (Int32) -> Void = { _ in },
        messages: @escaping @Sendable (WorkerMessage) -> Void
    ) async throws(WorkerFailure) {
        let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment)
        started(child.pid)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let watch = Watch(child: child, timeout: timeout, killGrace: killGrace, messages: messages)
            let token = control?.onStop { _ in watch.terminate() }
            watch.start { outcome in
                if let token { control?.remove(token) }
                continuation.resume(returning: outcome)
            }
        }
        if let failure = outcome.failure { throw failure }
    }

    struct Outcome: Sendable {
        var failure: WorkerFailure?
    }

    /// The threads around one child: stdout reader, stderr reader, waiter, and the timer.
    private final class Watch: @unchecked Sendable {
        let child: ChildProcess
        let timeout: Duration
        let killGrace: Duration
        let messages: @Sendable (WorkerMessage) -> Void
        private let lock = NSLock()
        private var timedOut = false
        private var finished = false
        private var errorText = Data()

        init(
            child: ChildProcess,
            timeout: Duration,
            killGrace: Duration,
            messages: @escaping @Sendable (WorkerMessage) -> Void
        ) {
            self.child = child
            self.timeout = timeout
            self.killGrace = killGrace
            self.messages = messages
        }

        func start(_ done: @escaping @Sendable (Outcome) -> Void) {
            let readers = DispatchGroup()
            readers.enter()
            Thread.detachNewThread { [self] in
                readProgress()
                readers.leave()
            }
            readers.enter()
            Thread.detachNewThread { [self] in
                let data = child.stderr.readDataToEndOfFile()
                lock.lock()
                errorText = data
                lock.unlock()
                readers.leave()
            }
            // A timer cancelled when the child ends: one left to the job's time limit (ten minutes and more) kept
            // its memory, and once this watch with the child's pipes, until then for every job.
            let timer = DeadlineTimer { [weak self] in self?.expire() }
            timer.schedule(at: Date().addingTimeInterval(timeout.timeInterval))
            Thread.detachNewThread { [self] in
                let exit = child.wait()
                timer.cancel()
                lock.lock()
                finished = true
                let expired = timedOut
                lock.unlock()
                // The group was killed or has exited: the pipes close, the readers end.
                child.kill(SIGKILL)
                readers.wait()
                child.closePipes()
                lock.lock()
                let stderr = String(decoding: errorText, as: UTF8.self)
                lock.unlock()
                done(
                    Outcome(
                        failure: WorkerFailure.of(
                            exit: exit,
                            expired: expired,
                            limit: Self.text(timeout),
                            stderr: stderr
                        )
                    )
                )
            }
        }

        private func expire() {
            lock.lock()
            let running = !finished
            if running { timedOut = true }
            lock.unlock()
            guard running else { return }
            terminate()
        }

        /// SIGTERM now, SIGKILL after the grace if it is still there.
        func terminate() {
            lock.lock()
            let running = !finished
            lock.unlock()
            guard running else { return }
            child.kill(SIGTERM)
            let grace = DispatchTime.now() + .nanoseconds(Int(killGrace.inNanoseconds))
            DispatchQueue.global().asyncAfter(deadline: grace) { [self] in
                lock.lock()
                let still = !finished
                lock.unlock()
                if still { child.kill(SIGKILL) }
            }
        }

        private func readProgress() {
            var buffer = Data()
            while true {
                let chunk = child.stdout.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    // A line that is not a message (a stray print) is ignored rather than failing the job.
                    if let message = WorkerMessage.decode(Data(line)) { messages(message) }
                }
            }
        }

        /// `2h`, `90m`, `45s`: how the limit is written in the configuration.
        static func text(_ duration: Duration) -> String {
            let seconds = duration.components.seconds
            if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
            if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
            if seconds > 0 { return "\(seconds)s" }
            return "\(duration.inNanoseconds / 1_000_000)ms"
        }
    }
}

extension Duration {
    var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
