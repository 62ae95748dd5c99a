import Foundation

/// The job state machine: plain data, no I/O. The store loads it from a row, applies one event and
/// writes the result and a stage row in the same transaction.
public struct JobLifecycle: Sendable, Equatable {
    public private(set) var state: JobState
    /// Failed attempts since the job was (re)queued by hand.
    public private(set) var attempts: Int
    public private(set) var nextAttemptAt: Date?
    public private(set) var lastError: String?
    /// The state the job was in when it last failed, so a retry can report where it broke.
    public private(set) var failedIn: JobState?
    public private(set) var duplicateOf: Int64?

    public init(
        state: JobState = .discovered,
        attempts: Int = 0,
        nextAttemptAt: Date? = nil,
        lastError: String? = nil,
        failedIn: JobState? = nil,
        duplicateOf: Int64? = nil
    ) {
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.failedIn = failedIn
        self.duplicateOf = duplicateOf
    }

    /// Applies `event` at `now`, or throws `IllegalTransition` and leaves the job unchanged.
    @discardableResult
    public mutating func apply(_ event: JobEvent, at now: Date, policy: RetryPolicy) throws -> JobTransition {
        let from = state
        var message: String? = nil
        switch (state, event) {
        case (.discovered, .settled):
            state = .stable
        case (.stable, .probeStarted):
            state = .probing
            // A wait for room is over once the job runs again.
            nextAttemptAt = nil
        case (.probing, .transcodeStarted):
            state = .transcoding
        case (.transcoding, .uploadStarted):
            state = .uploading
        case (.uploading, .distributionStarted):
            state = .distributing
        case (.distributing, .published):
            state = .published
            nextAttemptAt = nil
        case (.stable, .duplicateOf(let original)), (.probing, .duplicateOf(let original)):
            state = .duplicate
            duplicateOf = original
            message = "same content as job \(original)"
        case (.discovered, .rejected(let reason)), (.stable, .rejected(let reason)),
            (.probing, .rejected(let reason)), (.transcoding, .rejected(let reason)):
            state = .rejected
            lastError = reason
            message = reason
        case (let current, .failed(let error)) where !current.isTerminal && current != .failed:
            attempts += 1
            failedIn = current
            lastError = error
            nextAttemptAt =
                policy.allowsRetry(afterAttempt: attempts)
                ? now.addingTimeInterval(policy.delay(afterAttempt: attempts).timeInterval) : nil
            state = .failed
            message = error
        case (.failed, .retry(manual: false)):
            guard let due = nextAttemptAt else {
                throw IllegalTransition(from: from, event: event, reason: "no attempts left (\(attempts) made)")
            }
            guard due <= now else {
                throw IllegalTransition(from: from, event: event, reason: "next attempt is not due before \(due)")
            }
            state = .stable
            nextAttemptAt = nil
        case (.failed, .retry(manual: true)), (.rejected, .retry(manual: true)), (.cancelled, .retry(manual: true)):
            // An admin's explicit retry grants a fresh set of attempts.
            state = .stable
            attempts = 0
            nextAttemptAt = nil
            lastError = nil
            message = "re-queued by admin"
        case (.published, .retry(manual: true)):
            // Published again as a new revision; the live one stays until the new one replaces it.
            state = .stable
            attempts = 0
            nextAttemptAt = nil
            lastError = nil
            message = "re-publish requested by admin"
        case (let current, .interrupted(let reason)) where current.isActive:
            state = .stable
            message = reason
        case (let current, .waitForRoom(let reason, let until)) where current.isActive:
            state = .stable
            nextAttemptAt = until
            lastError = reason
            message = reason
        case (let current, .cancelled(let reason)) where !current.isTerminal:
            state = .cancelled
            nextAttemptAt = nil
            message = reason
        default:
            throw IllegalTransition(from: from, event: event, reason: nil)
        }
        return JobTransition(from: from, to: state, event: event.name, at: now, attempt: attempts, message: message)
    }
}

/// One committed step of a job's history (a row of `video_processing_stages`).
public struct JobTransition: Sendable, Equatable {
    public var from: JobState
    public var to: JobState
    public var event: String
    public var at: Date
    public var attempt: Int
    public var message: String?
}

/// An event that the job's current state does not allow.
public struct IllegalTransition: Error, Equatable, CustomStringConvertible {
    public var from: JobState
    public var event: JobEvent
    public var reason: String?

    public var description: String {
        let base = "cannot apply '\(event.name)' to a job that is \(from.rawValue)"
        return reason.map { "\(base): \($0)" } ?? base
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for `Date` arithmetic.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
