import Dispatch
import Foundation

/// One-shot timer rescheduled to the next moment something becomes due (a file's settle time ends, a poll is due,
/// a worker's time limit). With nothing pending it never fires, so an idle agent uses no CPU; cancelled, it holds
/// nothing.
// DispatchSource methods are documented thread-safe; the source is only configured through them.
public final class DeadlineTimer: @unchecked Sendable {
    private let source: any DispatchSourceTimer

    public init(label: String = "reel-ingest.timer", fire: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
        source.setEventHandler(handler: fire)
        source.schedule(deadline: .distantFuture)
        source.activate()
    }

    /// Fires once at `date` (at once if it has passed); nil disarms.
    public func schedule(at date: Date?) {
        guard let date else {
            source.schedule(deadline: .distantFuture)
            return
        }
        let delay = max(0, date.timeIntervalSinceNow)
        source.schedule(deadline: .now() + delay, leeway: .milliseconds(5))
    }

    public func cancel() {
        source.cancel()
    }

    deinit { source.cancel() }
}
