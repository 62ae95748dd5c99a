import IngestCore

/// Objects held in memory (manifests, test fixtures): written whole, optionally only if the object is still what the
/// writer last saw (S3's `If-None-Match: *` and `If-Match: <etag>`: of two writers that saw the same object, one wins
/// and the other gets 412), and read back whole with their ETag.
extension S3Connection {
    /// Single PUT of bytes held in memory (manifests, test fixtures), under `condition` when one is given; returns
    /// the new ETag. A condition that does not hold fails with status 412.
    @discardableResult
    public func putObject(
        key: String,
        bytes: [UInt8],
        condition: WriteCondition? = nil,
        contentType: String? = nil,
        cacheControl: String? = nil
    ) throws(S3Error) -> String {
        var request = S3Request(
            operation: "PutObject",
            method: "PUT",
            key: key,
            headers: client.objectHeaders(
                contentType: contentType ?? ContentType.forKey(key),
                cacheControl: cacheControl
            ),
            body: .bytes(bytes)
        )
        switch condition {
        case .absent: request.headers.append(SigV4Header(name: "If-None-Match", value: "*"))
        case .matches(let etag): request.headers.append(SigV4Header(name: "If-Match", value: etag))
        case nil: break
        }
        return try send(request).headers["ETag"] ?? ""
    }

    /// An object's bytes and ETag, nil when it does not exist.
    public func getObject(key: String) throws(S3Error) -> (bytes: [UInt8], etag: String)? {
        do {
            let response = try send(S3Request(operation: "GetObject", method: "GET", key: key))
            return (response.body, response.headers["ETag"] ?? "")
        } catch {
            if case .service(_, 404, _, _, _, _) = error { return nil }
            throw error
        }
    }
}
