import Foundation
import Testing

@testable import IngestPublish

@Suite("Request bodies: file regions streamed through the read callback")
struct CurlUploadTests {
    @Test func uploadOfAFileRegionWritesExactlyThatSlice() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(200_000)
        let source = try directory.file("source.bin", bytes: bytes)
        let destination = directory.path("part.bin")

        let reader = try FileRegionReader(path: source.path, offset: 12_345, length: 100_000)
        let easy = try CurlEasy()
        try easy.setURL(destination.absoluteString)
        try easy.setMethod(.put)
        try easy.setRequestBody(.fileRegion(reader))
        let response = try easy.perform()

        #expect(response.bytesSent == 100_000)
        #expect(try contents(of: destination) == Array(bytes[12_345..<112_345]))

        // A second perform rewinds the body to the region start instead of sending nothing.
        let second = directory.path("again.bin")
        try easy.setURL(second.absoluteString)
        _ = try easy.perform()
        #expect(try contents(of: second) == Array(bytes[12_345..<112_345]))
    }

    @Test func uploadOfInMemoryBytes() throws {
        let directory = try CurlTestDirectory()
        let destination = directory.path("complete.xml")
        let body = Array("<CompleteMultipartUpload></CompleteMultipartUpload>".utf8)

        let easy = try CurlEasy()
        try easy.setURL(destination.absoluteString)
        try easy.setMethod(.put)
        try easy.setRequestBody(.bytes(body))
        #expect(try easy.perform().bytesSent == Int64(body.count))
        #expect(try contents(of: destination) == body)
    }

    @Test func sourceTruncatedDuringUploadAbortsWithTheReadError() throws {
        let directory = try CurlTestDirectory()
        let source = try directory.file("source.bin", bytes: randomBytes(10_000))
        let reader = try FileRegionReader(path: source.path)
        let handle = try FileHandle(forWritingTo: source)
        try handle.truncate(atOffset: 5000)
        try handle.close()

        let easy = try CurlEasy()
        try easy.setURL(directory.path("out.bin").absoluteString)
        try easy.setMethod(.put)
        try easy.setRequestBody(.fileRegion(reader))
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.code == 42)
        #expect(error?.abortReason == .requestBodyReadFailed(.unexpectedEndOfFile(path: source.path, fileOffset: 5000)))
    }

    @Test func regionReaderValidatesReadsAndSeeks() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(1000)
        let source = try directory.file("source.bin", bytes: bytes)

        #expect(throws: FileRegionError.invalidRegion(path: source.path, offset: 900, length: 200, fileSize: 1000)) {
            try FileRegionReader(path: source.path, offset: 900, length: 200)
        }
        let missing = directory.path("missing.bin").path
        #expect(throws: FileRegionError.openFailed(path: missing, errno: ENOENT)) {
            try FileRegionReader(path: missing)
        }

        let toEnd = try FileRegionReader(path: source.path, offset: 600)
        #expect(toEnd.length == 400)

        let reader = try FileRegionReader(path: source.path, offset: 100, length: 50)
        var buffer = [UInt8](repeating: 0, count: 80)
        let first = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
        #expect(first == 50)
        #expect(Array(buffer[0..<50]) == Array(bytes[100..<150]))
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } == 0)

        try reader.seek(to: 40)
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } == 10)
        #expect(Array(buffer[0..<10]) == Array(bytes[140..<150]))
        #expect(throws: FileRegionError.seekOutOfRange(position: 51, length: 50)) { try reader.seek(to: 51) }
    }

    @Test func seekCallbackRewindsTheBodySource() throws {
        // curl only calls the seek callback on HTTP retries, which a file:// test cannot provoke, so drive the
        // callback's Swift side directly. Origins are curl's SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2; results are
        // CURL_SEEKFUNC_OK = 0, _FAIL = 1, _CANTSEEK = 2.
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(100)
        let source = try directory.file("source.bin", bytes: bytes)
        let state = CurlTransferState()
        state.requestSource = try FileRegionReader(path: source.path, offset: 10, length: 20)

        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(buffer.withUnsafeMutableBytes { state.sendBody(into: $0) } == 8)
        #expect(buffer == Array(bytes[10..<18]))

        #expect(state.seekBody(offset: 0, origin: 0) == 0)
        #expect(buffer.withUnsafeMutableBytes { state.sendBody(into: $0) } == 8)
        #expect(buffer == Array(bytes[10..<18]))

        #expect(state.seekBody(offset: -4, origin: 2) == 0)
        #expect(buffer.withUnsafeMutableBytes { state.sendBody(into: $0) } == 4)
        #expect(Array(buffer[0..<4]) == Array(bytes[26..<30]))

        #expect(state.seekBody(offset: 0, origin: 1) == 2)
        #expect(state.seekBody(offset: 21, origin: 0) == 1)
        #expect(state.abortReason == .requestBodyReadFailed(.seekOutOfRange(position: 21, length: 20)))
    }
}
