import Foundation
import Synchronization

/// Whether the store's writes go through. A read cannot tell: a database on a full disk, or on a PostgreSQL server
/// out of room, still answers `SELECT 1` while every insert fails. So the stores report each write's outcome here,
/// and `/healthz` and `/metrics` read it.
///
/// A write counts as failing for want of a working database (a full disk, an I/O error, a read-only or vanished
/// file; PostgreSQL out of resources or out of reach), not for the store's own refusals (an illegal transition, a
/// lost lease). Small writes may still fit where a larger one did not (a heartbeat reusing the write-ahead log's
/// room while a new job row cannot grow it), so a failure is remembered for `memory` after a later success.
public final class WriteHealth: Sendable {
    /// A run of failing writes: since when, the latest, and its error.
    public struct Failure: Sendable, Equatable {
        public var since: Date
        public var at: Date
        public var error: String
    }

    public static let memory: TimeInterval = 10

    private struct State {
        var failure: Failure?
        var lastSuccess: Date?

        func current(now: Date) -> Failure? {
            guard let failure else { return nil }
            let succeededSince = lastSuccess.map { $0 >= failure.at } ?? false
            return succeededSince && now.timeIntervalSince(failure.at) >= WriteHealth.memory ? nil : failure
        }
    }

    private let state = Mutex(State())

    public init() {}

    public func succeeded(at now: Date = Date()) {
        state.withLock { $0.lastSuccess = now }
    }

    /// Records `error` if it says the database cannot write; other errors leave the record as it is.
    public func failed(_ error: any Error, at now: Date = Date()) {
        guard let reason = Self.unavailability(error) else { return }
        state.withLock { state in
            let since = state.current(now: now)?.since ?? now
            state.failure = Failure(since: since, at: now, error: reason)
        }
    }

    /// The failing run, while the latest write failed or a write failed less than `memory` ago; nil when writes go
    /// through.
    public func failure(now: Date = Date()) -> Failure? {
        state.withLock { $0.current(now: now) }
    }

    /// Why `error` means the database cannot write, or nil when it does not (see `StoreUnavailability`).
    static func unavailability(_ error: any Error) -> String? {
        (error as? any StoreUnavailability)?.unavailability
    }
}

/// An error of a database driver that can say whether it means the database cannot write at all.
protocol StoreUnavailability: Error {
    /// A short reason (the driver's code and message) when the database cannot write; nil for errors of the
    /// statement itself (a constraint, a syntax error).
    var unavailability: String? { get }
}
