import Foundation
import IngestCore

/// A part as `ListParts` reports it.
public struct ListedPart: Sendable, Equatable {
    public let number: Int
    public let etag: String
    public let size: Int64
}

/// An unfinished multipart upload as `ListMultipartUploads` reports it.
public struct ListedUpload: Sendable, Equatable {
    public let key: String
    public let uploadId: String
    public let initiated: Date?
}

/// The S3 calls the publisher needs, each one request (plus retries) on this connection.
extension S3Connection {
    /// Single PUT of a whole file (small objects). Sends `Content-MD5` and checks the returned ETag.
    @discardableResult
    public func putObject(
        key: String,
        file: String,
        contentType: String? = nil,
        cacheControl: String? = nil,
        progress: ((Int64) -> Bool)? = nil
    ) throws(S3Error) -> String {
        let digest = try digest(file, offset: 0, length: nil)
        let size = try fileSize(file)
        var request = S3Request(
            operation: "PutObject",
            method: "PUT",
            key: key,
            headers: client.objectHeaders(
                contentType: contentType ?? ContentType.forKey(key),
                cacheControl: cacheControl
            ),
            body: .fileRegion(path: file, offset: 0, length: size)
        )
        request.headers.append(SigV4Header(name: "Content-MD5", value: digest.base64))
        return try sendChecking(request, digest: digest, progress: progress)
    }

    /// With `checksumCRC32` the upload is declared CRC-32 (composite): every part must then carry its CRC and the
    /// completion lists them. (Without a declared algorithm some servers, moto among them, checksum the whole
    /// object again at completion.)
    public func createMultipartUpload(
        key: String,
        contentType: String? = nil,
        cacheControl: String? = nil,
        checksumCRC32: Bool = false
    ) throws(S3Error) -> String {
        var headers = client.objectHeaders(
            contentType: contentType ?? ContentType.forKey(key),
            cacheControl: cacheControl
        )
        if checksumCRC32 { headers.append(SigV4Header(name: "x-amz-checksum-algorithm", value: "CRC32")) }
        let response = try send(
            S3Request(
                operation: "CreateMultipartUpload",
                method: "POST",
                key: key,
                query: [SigV4QueryItem(name: "uploads")],
                headers: headers
            )
        )
        guard let uploadId = S3XML.value("UploadId", in: response.text), !uploadId.isEmpty else {
            throw .invalidResponse(operation: "CreateMultipartUpload", detail: "no UploadId in the reply")
        }
        return uploadId
    }

    /// Uploads one part streamed from the file region, with `Content-MD5` (and `x-amz-checksum-crc32` when the
    /// upload was created with CRC-32); returns the server's ETag after comparing it and any checksum the server
    /// echoes with `digest` (a mismatch is retried like a transfer error).
    public func uploadPart(
        key: String,
        uploadId: String,
        partNumber: Int,
        file: String,
        offset: Int64,
        length: Int64,
        digest: FileRegionDigest.Value,
        sendCRC32: Bool = false,
        progress: ((Int64) -> Bool)? = nil
    ) throws(S3Error) -> String {
        var headers = [SigV4Header(name: "Content-MD5", value: digest.base64)]
        if sendCRC32 {
            // The algorithm header is what SDKs send with the value; servers echo the checksum they accepted.
            headers.append(SigV4Header(name: "x-amz-sdk-checksum-algorithm", value: "CRC32"))
            headers.append(SigV4Header(name: "x-amz-checksum-crc32", value: digest.crc32Base64))
        }
        let request = S3Request(
            operation: "UploadPart \(partNumber)",
            method: "PUT",
            key: key,
            query: [
                SigV4QueryItem(name: "partNumber", value: String(partNumber)),
                SigV4QueryItem(name: "uploadId", value: uploadId),
            ],
            headers: headers,
            body: .fileRegion(path: file, offset: offset, length: length)
        )
        return try sendChecking(request, digest: digest, progress: progress)
    }

    /// Completes the upload and returns the object's ETag. Parts of a CRC-32 upload carry their CRC.
    @discardableResult
    public func completeMultipartUpload(
        key: String,
        uploadId: String,
        parts: [(number: Int, etag: String, crc32: UInt32?)]
    ) throws(S3Error) -> String {
        var xml = "<CompleteMultipartUpload>"
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag>"
            if let crc = part.crc32 { xml += "<ChecksumCRC32>\(FileRegionDigest.crc32Base64(crc))</ChecksumCRC32>" }
            xml += "</Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try send(
            S3Request(
                operation: "CompleteMultipartUpload",
                method: "POST",
                key: key,
                query: [SigV4QueryItem(name: "uploadId", value: uploadId)],
                headers: [SigV4Header(name: "Content-Type", value: "application/xml")],
                body: .bytes(Array(xml.utf8))
            )
        )
        guard let etag = S3XML.value("ETag", in: response.text) else {
            throw .invalidResponse(operation: "CompleteMultipartUpload", detail: "no ETag in the reply")
        }
        return etag
    }

    public func abortMultipartUpload(key: String, uploadId: String) throws(S3Error) {
        _ = try send(
            S3Request(
                operation: "AbortMultipartUpload",
                method: "DELETE",
                key: key,
                query: [SigV4QueryItem(name: "uploadId", value: uploadId)]
            )
        )
    }

    /// Every part the server holds for the upload (all pages).
    public func listParts(key: String, uploadId: String) throws(S3Error) -> [ListedPart] {
        var parts: [ListedPart] = []
        var marker: String?
        repeat {
            var query = [SigV4QueryItem(name: "uploadId", value: uploadId)]
            if let marker { query.append(SigV4QueryItem(name: "part-number-marker", value: marker)) }
            let text = try send(S3Request(operation: "ListParts", method: "GET", key: key, query: query)).text
            for block in S3XML.blocks("Part", in: text) {
                guard let number = S3XML.value("PartNumber", in: block).flatMap(Int.init),
                    let etag = S3XML.value("ETag", in: block),
                    let size = S3XML.value("Size", in: block).flatMap(Int64.init)
                else { continue }
                parts.append(ListedPart(number: number, etag: etag, size: size))
            }
            let truncated = S3XML.value("IsTruncated", in: text) == "true"
            marker = truncated ? S3XML.value("NextPartNumberMarker", in: text) : nil
        } while marker != nil
        return parts
    }

    /// Unfinished multipart uploads whose key starts with `prefix` (all pages).
    public func listMultipartUploads(prefix: String) throws(S3Error) -> [ListedUpload] {
        var uploads: [ListedUpload] = []
        var keyMarker: String?
        var uploadIdMarker: String?
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plainDates = ISO8601DateFormatter()
        repeat {
            var query = [SigV4QueryItem(name: "uploads")]
            if !prefix.isEmpty { query.append(SigV4QueryItem(name: "prefix", value: prefix)) }
            if let keyMarker { query.append(SigV4QueryItem(name: "key-marker", value: keyMarker)) }
            if let uploadIdMarker { query.append(SigV4QueryItem(name: "upload-id-marker", value: uploadIdMarker)) }
            let text = try send(S3Request(operation: "ListMultipartUploads", method: "GET", key: nil, query: query))
                .text
            for block in S3XML.blocks("Upload", in: text) {
                guard let key = S3XML.value("Key", in: block), let id = S3XML.value("UploadId", in: block) else {
                    continue
                }
                let initiated = S3XML.value("Initiated", in: block).flatMap {
                    dates.date(from: $0) ?? plainDates.date(from: $0)
                }
                uploads.append(ListedUpload(key: key, uploadId: id, initiated: initiated))
            }
            let truncated = S3XML.value("IsTruncated", in: text) == "true"
            keyMarker = truncated ? S3XML.value("NextKeyMarker", in: text) : nil
            uploadIdMarker = truncated ? S3XML.value("NextUploadIdMarker", in: text) : nil
        } while keyMarker != nil
        return uploads
    }

    /// Size and ETag of an object, nil when it does not exist.
    public func headObject(key: String) throws(S3Error) -> (size: Int64, etag: String)? {
        do {
            let response = try send(S3Request(operation: "HeadObject", method: "HEAD", key: key))
            let size = response.headers["Content-Length"].flatMap(Int64.init) ?? -1
            return (size, response.headers["ETag"] ?? "")
        } catch {
            if case .service(_, 404, _, _, _, _) = error { return nil }
            throw error
        }
    }

    /// Downloads an object into `file`.
    public func getObject(key: String, to file: String) throws(S3Error) {
        _ = try send(S3Request(operation: "GetObject", method: "GET", key: key), responseFile: file)
    }

    // MARK: Helpers

    /// Sends, then compares what the server says it stored (ETag as MD5, an echoed CRC-32) with the local digest.
    /// Some S3 servers do not check `Content-MD5`; a different value means the stored bytes differ, so resend.
    private func sendChecking(
        _ request: S3Request,
        digest: FileRegionDigest.Value,
        progress: ((Int64) -> Bool)?
    ) throws(S3Error) -> String {
        var attempt = 1
        while true {
            let response = try send(request, progress: progress)
            let etag = response.headers["ETag"] ?? ""
            var mismatch: String?
            if client.etagsAreMD5, etag.replacingOccurrences(of: "\"", with: "") != digest.hex {
                mismatch = "ETag \(etag), local MD5 \(digest.hex)"
            } else if let crc = response.headers["x-amz-checksum-crc32"], crc != digest.crc32Base64 {
                mismatch = "CRC-32 \(crc), local \(digest.crc32Base64)"
            }
            guard let mismatch else { return etag }
            guard attempt < client.options.backoff.maxAttempts else {
                throw .integrity(operation: request.operation, detail: mismatch)
            }
            attempt += 1
        }
    }

    func digest(_ file: String, offset: Int64, length: Int64?) throws(S3Error) -> FileRegionDigest.Value {
        do {
            return try FileRegionDigest.digest(path: file, offset: offset, length: length)
        } catch {
            throw .localFile(error.description)
        }
    }

    func fileSize(_ file: String) throws(S3Error) -> Int64 {
        do {
            return try FileRegionReader(path: file).length
        } catch {
            throw .localFile(error.description)
        }
    }
}
