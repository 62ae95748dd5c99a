/// Where a request body comes from. Curl pulls it through `CURLOPT_READFUNCTION` and rewinds it through
/// `CURLOPT_SEEKFUNCTION` (on redirects, auth retries or a reused connection that died), so both kinds are seekable.
public enum CurlRequestBody {
    /// A byte range of a file, streamed without loading it (multipart part uploads).
    case fileRegion(FileRegionReader)
    /// A small in-memory body (for example the CompleteMultipartUpload XML).
    case bytes([UInt8])
}

/// The seekable byte source behind a `CurlRequestBody`, as the C callbacks see it.
protocol RequestBodySource: AnyObject {
    var bodyLength: Int64 { get }
    func readBody(into buffer: UnsafeMutableRawBufferPointer) throws(FileRegionError) -> Int
    func seekBody(to position: Int64) throws(FileRegionError)
}

extension FileRegionReader: RequestBodySource {
    var bodyLength: Int64 { length }

    func readBody(into buffer: UnsafeMutableRawBufferPointer) throws(FileRegionError) -> Int {
        try read(into: buffer)
    }

    func seekBody(to position: Int64) throws(FileRegionError) {
        try seek(to: position)
    }
}

/// In-memory body; a class so the read position survives between callback invocations.
final class MemoryBodySource: RequestBodySource {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var bodyLength: Int64 { Int64(bytes.count) }

    func readBody(into buffer: UnsafeMutableRawBufferPointer) throws(FileRegionError) -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<position + count]))
        }
        position += count
        return count
    }

    func seekBody(to position: Int64) throws(FileRegionError) {
        guard position >= 0, position <= bodyLength else {
            throw .seekOutOfRange(position: position, length: bodyLength)
        }
        self.position = Int(position)
    }
}

extension CurlRequestBody {
    var source: any RequestBodySource {
        switch self {
        case .fileRegion(let reader): reader
        case .bytes(let bytes): MemoryBodySource(bytes)
        }
    }
}
