/// Why a transcode failed, as one line.
public struct TranscodeFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
