import IngestStore
import Synchronization

/// How often the scheduler looks at the database without being told to. On SQLite every second: what other
/// processes change there (`jobs retry`, `jobs cancel`, `retry-sweep`) announces nothing. On PostgreSQL every change
/// arrives as a notification (and a relay that reconnects looks again), so while no job runs, the look only has to
/// catch time passing: a backoff ending, the agent's heartbeat, a lease expiring elsewhere. Then once per eighth of a
/// lease, at most every 10 s, which takes an idle agent's statements from four a second to a few a minute.
final class PollPace: Sendable {
    static let busy: Duration = .seconds(1)
    static let idleCeiling: Duration = .seconds(10)

    private let idleInterval: Duration
    private let idle = Mutex(true)

    init(lease: Duration, announcesChanges: Bool) {
        idleInterval = announcesChanges ? max(Self.busy, min(lease / 8, Self.idleCeiling)) : Self.busy
    }

    /// The wait before the next look.
    var interval: Duration { idle.withLock { $0 } ? idleInterval : Self.busy }

    /// Whether jobs run now (their leases want renewing, their cancellations noticing).
    func jobsRunning(_ running: Bool) { idle.withLock { $0 = !running } }
}
