import Foundation
import IngestCore

/// Deleting: what cleaning up a video's replaced revisions needs. (The agent knows what it stored from its journal,
/// so it never needs to list a prefix; moto with IAM checking on cannot verify a listing under a prefix with `/`.)
extension S3Connection {
    /// Deletes one object; deleting one that is not there succeeds (S3 answers 204 either way).
    public func deleteObject(key: String) throws(S3Error) {
        _ = try send(S3Request(operation: "DeleteObject", method: "DELETE", key: key))
    }
}
