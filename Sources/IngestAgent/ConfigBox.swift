import IngestCore
import Synchronization

/// The configuration in force. SIGHUP swaps it; services read it at the start of each cycle, so a
/// reload never interrupts work in flight.
public final class ConfigBox: Sendable {
    private let current: Mutex<AgentConfig>

    public init(_ config: AgentConfig) {
        current = Mutex(config)
    }

    public var config: AgentConfig {
        current.withLock { $0 }
    }

    public func replace(_ config: AgentConfig) {
        current.withLock { $0 = config }
    }
}
