import Crypto
import Foundation
import IngestCore

/// MD5 and CRC-32 of a file region, computed in one pass of 1 MiB reads so memory stays flat whatever the part
/// size. (MD5 because S3's `Content-MD5` and ETags use it, CRC-32 for `x-amz-checksum-crc32`; both check transfer
/// integrity, not authenticity.)
public enum FileRegionDigest {
    public struct Value: Sendable, Equatable {
        public let md5: [UInt8]
        public let crc32: UInt32

        /// Lowercase hex MD5, the form S3 ETags use.
        public var hex: String { md5.map { String(format: "%02x", $0) }.joined() }
        /// The `Content-MD5` header value.
        public var base64: String { Data(md5).base64EncodedString() }
        /// The `x-amz-checksum-crc32` header value: the big-endian CRC, base64.
        public var crc32Base64: String { FileRegionDigest.crc32Base64(crc32) }
    }

    public static func digest(path: String, offset: Int64 = 0, length: Int64? = nil) throws(FileRegionError) -> Value {
        let reader = try FileRegionReader(path: path, offset: offset, length: length)
        var md5 = Insecure.MD5()
        var crc = CRC32()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.read(into: buffer)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            md5.update(bufferPointer: chunk)
            crc.update(chunk)
        }
        return Value(md5: Array(md5.finalize()), crc32: crc.value)
    }

    public static func crc32Base64(_ value: UInt32) -> String {
        Data(CRC32.bigEndianBytes(value)).base64EncodedString()
    }

    /// The ETag S3 gives a multipart object: MD5 of the concatenated part MD5s, `-`, part count.
    public static func multipartETag(partMD5s: [[UInt8]]) -> String {
        var hasher = Insecure.MD5()
        for md5 in partMD5s { hasher.update(data: md5) }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return "\(hex)-\(partMD5s.count)"
    }
}
