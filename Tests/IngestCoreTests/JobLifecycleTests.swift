import Foundation
import IngestCore
import Testing

/// The lifecycle as the design states it, written independently of `JobLifecycle`:
/// (state, event name) → resulting state. Everything not listed must be rejected.
private let legal: [JobState: [String: JobState]] = [
    .discovered: ["settled": .stable, "rejected": .rejected, "failed": .failed, "cancelled": .cancelled],
    .stable: [
        "probe-started": .probing, "duplicate": .duplicate, "rejected": .rejected, "failed": .failed,
        "cancelled": .cancelled,
    ],
    .probing: [
        "transcode-started": .transcoding, "duplicate": .duplicate, "rejected": .rejected, "failed": .failed,
        "cancelled": .cancelled, "interrupted": .stable,
    ],
    .transcoding: [
        "upload-started": .uploading, "rejected": .rejected, "failed": .failed, "cancelled": .cancelled,
        "interrupted": .stable,
    ],
    .uploading: [
        "distribution-started": .distributing, "failed": .failed, "cancelled": .cancelled, "interrupted": .stable,
    ],
    .distributing: ["published": .published, "failed": .failed, "cancelled": .cancelled, "interrupted": .stable],
    .failed: ["retry": .stable, "manual-retry": .stable, "cancelled": .cancelled],
    .rejected: ["manual-retry": .stable],
    .cancelled: ["manual-retry": .stable],
    // A published video is published again (a new revision) only when an admin asks.
    .published: ["manual-retry": .stable],
    .duplicate: [:],
]

private let allEvents: [JobEvent] = [
    .settled, .probeStarted, .transcodeStarted, .uploadStarted, .distributionStarted, .published,
    .duplicateOf(jobID: 7), .rejected(reason: "not a video file"), .failed(error: "upload: 503"),
    .retry(manual: false), .retry(manual: true), .cancelled(reason: "admin"), .interrupted(reason: "agent stopped"),
]

private let policy = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(60), maxDelay: .seconds(3600))
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// A job in `state`, with a due retry when failed so that automatic retry is possible.
private func job(in state: JobState) -> JobLifecycle {
    JobLifecycle(
        state: state,
        attempts: state == .failed ? 1 : 0,
        nextAttemptAt: state == .failed ? t0 : nil,
        lastError: state == .failed ? "earlier" : nil
    )
}

@Suite("Job lifecycle")
struct JobLifecycleTests {
    @Test("every state × event pair is allowed or refused as the design says", arguments: JobState.allCases)
    func transitionTable(state: JobState) throws {
        for event in allEvents {
            var lifecycle = job(in: state)
            let expected = legal[state]?[event.name]
            if let expected {
                let transition = try lifecycle.apply(event, at: t0, policy: policy)
                #expect(lifecycle.state == expected, "\(state) + \(event.name)")
                #expect(transition.from == state && transition.to == expected)
            } else {
                let before = lifecycle
                #expect(throws: IllegalTransition.self, "\(state) + \(event.name) must be refused") {
                    try lifecycle.apply(event, at: t0, policy: policy)
                }
                #expect(lifecycle == before, "a refused event leaves the job unchanged")
            }
        }
    }

    @Test func happyPathReachesPublished() throws {
        var lifecycle = JobLifecycle()
        let path: [JobEvent] = [
            .settled, .probeStarted, .transcodeStarted, .uploadStarted, .distributionStarted, .published,
        ]
        for event in path { try lifecycle.apply(event, at: t0, policy: policy) }
        #expect(lifecycle.state == .published)
        #expect(lifecycle.state.isTerminal)
    }

    @Test func failuresScheduleBackoffUntilAttemptsRunOut() throws {
        var lifecycle = JobLifecycle(state: .uploading)
        try lifecycle.apply(.failed(error: "503 Slow Down"), at: t0, policy: policy)
        #expect(lifecycle.attempts == 1)
        #expect(lifecycle.failedIn == .uploading)
        #expect(lifecycle.lastError == "503 Slow Down")
        #expect(lifecycle.nextAttemptAt == t0.addingTimeInterval(60))

        // Not due yet: the sweep must leave it alone.
        #expect(throws: IllegalTransition.self) {
            try lifecycle.apply(.retry(manual: false), at: t0.addingTimeInterval(59), policy: policy)
        }
        try lifecycle.apply(.retry(manual: false), at: t0.addingTimeInterval(60), policy: policy)
        #expect(lifecycle.state == .stable)

        try lifecycle.apply(.failed(error: "again"), at: t0, policy: policy)
        #expect(lifecycle.nextAttemptAt == t0.addingTimeInterval(120))
        try lifecycle.apply(.retry(manual: false), at: t0.addingTimeInterval(120), policy: policy)
        try lifecycle.apply(.failed(error: "third"), at: t0, policy: policy)
        #expect(lifecycle.attempts == 3)
        #expect(lifecycle.nextAttemptAt == nil, "three failures with max_attempts = 3 leave no retry")
        let error = #expect(throws: IllegalTransition.self) {
            try lifecycle.apply(.retry(manual: false), at: t0.addingTimeInterval(86_400), policy: policy)
        }
        #expect(error?.description.contains("no attempts left") == true)
    }

    @Test func manualRetryGrantsFreshAttempts() throws {
        var lifecycle = JobLifecycle(state: .failed, attempts: 3, nextAttemptAt: nil, lastError: "x")
        try lifecycle.apply(.retry(manual: true), at: t0, policy: policy)
        #expect(lifecycle.state == .stable)
        #expect(lifecycle.attempts == 0)
    }

    @Test func interruptedJobGoesBackToTheQueueWithoutSpendingAnAttempt() throws {
        var lifecycle = JobLifecycle(state: .transcoding, attempts: 1, lastError: "earlier")
        let transition = try lifecycle.apply(.interrupted(reason: "agent stopped"), at: t0, policy: policy)
        #expect(lifecycle.state == .stable)
        #expect(lifecycle.attempts == 1)
        #expect(transition.message == "agent stopped")
    }

    @Test func duplicateRemembersOriginal() throws {
        var lifecycle = JobLifecycle(state: .stable)
        let transition = try lifecycle.apply(.duplicateOf(jobID: 42), at: t0, policy: policy)
        #expect(lifecycle.duplicateOf == 42)
        #expect(transition.message?.contains("42") == true)
    }

    @Test func illegalTransitionSaysWhatAndWhere() {
        var lifecycle = JobLifecycle(state: .published)
        let error = #expect(throws: IllegalTransition.self) {
            try lifecycle.apply(.cancelled(reason: "x"), at: t0, policy: policy)
        }
        #expect(error?.description == "cannot apply 'cancelled' to a job that is published")
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func delaysDoubleAndCap() {
        let p = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(60), maxDelay: .seconds(600))
        #expect(p.delay(afterAttempt: 1) == .seconds(60))
        #expect(p.delay(afterAttempt: 2) == .seconds(120))
        #expect(p.delay(afterAttempt: 3) == .seconds(240))
        #expect(p.delay(afterAttempt: 4) == .seconds(480))
        #expect(p.delay(afterAttempt: 5) == .seconds(600))
        #expect(p.delay(afterAttempt: 60) == .seconds(600))
    }

    @Test func attemptsBudget() {
        let p = RetryPolicy(maxAttempts: 3)
        #expect(p.allowsRetry(afterAttempt: 2))
        #expect(!p.allowsRetry(afterAttempt: 3))
    }
}
