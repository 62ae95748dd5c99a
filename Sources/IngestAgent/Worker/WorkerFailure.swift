/// Why a worker's job failed, as the one line recorded on the job.
public struct WorkerFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
