import Crypto
import Foundation

/// MD5 of a file region, read in 1 MiB chunks so memory stays flat whatever the part size.
/// (MD5 because S3's `Content-MD5` and ETags use it; it checks transfer integrity, not authenticity.)
public enum FileRegionDigest {
    public struct MD5Value: Sendable, Equatable {
        public let bytes: [UInt8]
        /// Lowercase hex, the form S3 ETags use.
        public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
        /// The `Content-MD5` header value.
        public var base64: String { Data(bytes).base64EncodedString() }
    }

    public static func md5(path: String, offset: Int64 = 0, length: Int64? = nil) throws(FileRegionError) -> MD5Value {
        let reader = try FileRegionReader(path: path, offset: offset, length: length)
        var hasher = Insecure.MD5()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.read(into: buffer)
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return MD5Value(bytes: Array(hasher.finalize()))
    }

    /// The ETag S3 gives a multipart object: MD5 of the concatenated part MD5s, `-`, part count.
    public static func multipartETag(partMD5s: [[UInt8]]) -> String {
        var hasher = Insecure.MD5()
        for md5 in partMD5s { hasher.update(data: md5) }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return "\(hex)-\(partMD5s.count)"
    }
}
