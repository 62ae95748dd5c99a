import Foundation
import IngestCore

/// An object as `ListObjectsV2` reports it.
public struct ListedObject: Sendable, Equatable {
    public let key: String
    public let size: Int64
    public let etag: String
}

/// Listing and deleting: what cleaning up a video's old revisions and leftovers needs.
extension S3Connection {
    /// Every object whose key starts with `prefix` (all pages, in key order).
    public func listObjects(prefix: String) throws(S3Error) -> [ListedObject] {
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            var query = [SigV4QueryItem(name: "list-type", value: "2"), SigV4QueryItem(name: "prefix", value: prefix)]
            if let token { query.append(SigV4QueryItem(name: "continuation-token", value: token)) }
            let text = try send(S3Request(operation: "ListObjectsV2", method: "GET", key: nil, query: query)).text
            for block in S3XML.blocks("Contents", in: text) {
                guard let key = S3XML.value("Key", in: block) else { continue }
                let size = S3XML.value("Size", in: block).flatMap(Int64.init) ?? 0
                objects.append(ListedObject(key: key, size: size, etag: S3XML.value("ETag", in: block) ?? ""))
            }
            let truncated = S3XML.value("IsTruncated", in: text) == "true"
            token = truncated ? S3XML.value("NextContinuationToken", in: text) : nil
        } while token != nil
        return objects
    }

    /// Deletes one object; deleting one that is not there succeeds (S3 answers 204 either way).
    public func deleteObject(key: String) throws(S3Error) {
        _ = try send(S3Request(operation: "DeleteObject", method: "DELETE", key: key))
    }
}
