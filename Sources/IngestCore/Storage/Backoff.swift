/// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): the wait before
/// retry `n` is uniform in `0 ... min(cap, base × 2^n)`, which spreads clients that failed together.
public struct Backoff: Sendable, Equatable {
    /// Total tries, the first included.
    public var maxAttempts: Int
    public var base: Duration
    public var cap: Duration

    public init(maxAttempts: Int = 7, base: Duration = .milliseconds(200), cap: Duration = .seconds(20)) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
    }

    /// The upper bound of the wait after failed try number `attempt` (1-based).
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let grown = base * (1 << exponent)
        return min(grown, cap)
    }

    /// A random wait in `0 ... ceiling(afterAttempt:)`.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout R) -> Duration {
        let ceiling = ceiling(afterAttempt: attempt)
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanos > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanos, using: &generator))
    }

    public func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }
}
