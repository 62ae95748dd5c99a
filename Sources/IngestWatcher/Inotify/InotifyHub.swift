import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The one reader of the process's libinotifytools queue. libinotifytools keeps a single global instance,
/// so every watched tree shares it: the hub reads on its own thread (never the cooperative pool) and hands
/// each event to the subscriber whose root contains it. An overflow goes to every subscriber.
public final class InotifyHub: Sendable {
    public static let shared = InotifyHub(tools: .shared)

    public typealias Handler = @Sendable (InotifyEvent) -> Void

    struct Subscriber: Sendable {
        var root: String
        var handler: Handler
    }

    struct State: Sendable {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 1
        var started = false
    }

    public let tools: InotifyTools
    private let state = Mutex(State())
    private let paused = Mutex(false)

    init(tools: InotifyTools) {
        self.tools = tools
    }

    /// Registers `handler` for events below `root` and starts the reader thread on first use.
    /// The caller adds the kernel watches itself (`tools.watch`), after subscribing so nothing is missed.
    public func subscribe(root: String, handler: @escaping Handler) throws(Errno) -> Int {
        try tools.initialize()
        let prefix = root.hasSuffix("/") ? root : root + "/"
        let (id, start) = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(root: prefix, handler: handler)
            let start = !state.started
            state.started = true
            return (id, start)
        }
        if start {
            let thread = Thread { [self] in readLoop() }
            thread.name = "reel-ingest inotify"
            thread.start()
        }
        return id
    }

    public func unsubscribe(_ id: Int) {
        state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
    }

    /// Stops reading so the kernel queue fills up (tests use it to provoke IN_Q_OVERFLOW for real).
    public func pauseReading() { paused.withLock { $0 = true } }
    public func resumeReading() { paused.withLock { $0 = false } }

    private func readLoop() {
        while true {
            while paused.withLock({ $0 }) { usleep(10_000) }
            do {
                // A bounded timeout so a pause requested while idle takes effect.
                guard let event = try tools.nextEvent(timeout: 1) else { continue }
                route(event)
            } catch {
                // EBADF or the like: nothing sensible to do but not spin.
                usleep(200_000)
            }
        }
    }

    private func route(_ event: InotifyEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        if event.mask.contains(.queueOverflow) {
            for subscriber in subscribers { subscriber.handler(event) }
            return
        }
        let directory = event.directory.hasSuffix("/") ? event.directory : event.directory + "/"
        for subscriber in subscribers where directory.hasPrefix(subscriber.root) {
            subscriber.handler(event)
        }
    }
}
