/// How often and how soon a failed job is tried again.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .seconds(60), maxDelay: Duration = .seconds(3600)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Delay before attempt `attempt + 1`, after `attempt` failed attempts (1-based):
    /// base × 2^(attempt−1), capped at `maxDelay`. Deterministic so the queue is predictable;
    /// the S3 client adds jitter at its own level where many requests can collide.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = max(0, attempt - 1)
        let seconds = min(baseDelay.timeInterval * Double(1 << min(exponent, 30)), maxDelay.timeInterval)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// True when a job that has failed `attempt` times may be tried again.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool {
        attempt < maxAttempts
    }
}
