import Foundation

/// When the scheduler renews its leases, and whether it must fence itself: a plain value driven by the
/// scheduler's ticks, so the policy is testable without a database or a clock.
struct LeaseKeeper: Sendable {
    let lease: Duration
    /// Renewals happen every quarter of a lease: three can fail before a healthy agent's lease runs out.
    var interval: Duration { lease / 4 }
    private var lastRenewal: ContinuousClock.Instant
    private var lastAttempt: ContinuousClock.Instant?
    /// Set once renewals failed for longer than a lease, cleared by the next success: claim nothing meanwhile.
    private(set) var selfFenced = false

    init(lease: Duration, now: ContinuousClock.Instant = .now) {
        self.lease = lease
        self.lastRenewal = now
    }

    /// True (and noted as an attempt) when a quarter lease has passed since the last attempt.
    mutating func heartbeatDue(now: ContinuousClock.Instant = .now) -> Bool {
        if let lastAttempt, now - lastAttempt < interval { return false }
        lastAttempt = now
        return true
    }

    mutating func renewed(now: ContinuousClock.Instant = .now) {
        lastRenewal = now
        selfFenced = false
    }

    /// Returns true when the agent must stop its jobs: no renewal succeeded for a whole lease.
    mutating func renewalFailed(now: ContinuousClock.Instant = .now) -> Bool {
        if now - lastRenewal >= lease { selfFenced = true }
        return selfFenced
    }
}
