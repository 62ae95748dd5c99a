import IngestCore
import Synchronization

/// The configuration in force. SIGHUP (or a changed drop-in) swaps it; services read it at the start of
/// each cycle or are told through `onReplace`, so a reload never interrupts work in flight.
public final class ConfigBox: Sendable {
    private let current: Mutex<AgentConfig>
    private let observers = Mutex<[@Sendable (AgentConfig) -> Void]>([])

    public init(_ config: AgentConfig) {
        current = Mutex(config)
    }

    public var config: AgentConfig {
        current.withLock { $0 }
    }

    public func replace(_ config: AgentConfig) {
        current.withLock { $0 = config }
        for observer in observers.withLock({ $0 }) { observer(config) }
    }

    /// Calls `observer` after every replacement.
    public func onReplace(_ observer: @escaping @Sendable (AgentConfig) -> Void) {
        observers.withLock { $0.append(observer) }
    }
}
