import Foundation
import IngestCore

/// When a conditional write goes through.
public enum WriteCondition: Sendable, Equatable {
    /// Only if no object has the key (`If-None-Match: *`).
    case absent
    /// Only if the object is still the one with this ETag (`If-Match`).
    case matches(etag: String)
}

/// The store refused a conditional write: the object is not what the writer last saw (HTTP 412).
public struct PreconditionFailed: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public var description: String { "\(key) changed since it was read (412 Precondition Failed)" }
}

/// An object read whole, with the ETag a conditional write names it by.
public struct FetchedObject: Sendable, Equatable {
    public var bytes: [UInt8]
    public var etag: String
}

/// Reads and conditional writes of small objects (`video.json`), for a store that honours the conditions.
public protocol ConditionalWriter: Sendable {
    func read(key: String) async throws -> FetchedObject?
    /// Throws `PreconditionFailed` when `condition` does not hold.
    func write(_ bytes: [UInt8], key: String, condition: WriteCondition) async throws -> StoredObject
}

/// What a store's start-up probe found.
public enum ConditionalWriteSupport: Sendable {
    case honoured(any ConditionalWriter)
    /// Not honoured, or not known to be: why, in words for the log.
    case unavailable(String)
}
