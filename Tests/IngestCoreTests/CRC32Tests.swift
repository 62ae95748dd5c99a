import Foundation
import IngestCore
import TestSupport
import Testing

@Suite struct CRC32Tests {
    /// The catalogue check value of CRC-32/ISO-HDLC (reveng.sourceforge.io): CRC of ASCII "123456789".
    @Test func catalogueCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    /// Python's zlib.crc32 judges lengths around the 8-byte stride, fed in uneven chunks.
    @Test func agreesWithZlibInChunks() async throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [1, 7, 8, 9, 15, 16, 17, 1000, 65_537]
        let temp = try TempDirectory()
        defer { temp.remove() }
        for length in lengths {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = temp.path + "/data-\(length)"
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let python = try await runProcessAsync(
                "/usr/bin/env",
                ["python3", "-c", "import sys, zlib; print(zlib.crc32(open(sys.argv[1], 'rb').read()))", file]
            )
            #expect(python.status == 0, "\(python.stderr)")
            let expected = UInt32(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            var crc = CRC32()
            var start = 0
            var chunk = 3
            while start < length {
                let end = min(length, start + chunk)
                crc.update(Array(bytes[start..<end]))
                start = end
                chunk = chunk * 2 + 1
            }
            #expect(crc.value == expected, "length \(length)")
            #expect(CRC32.checksum(bytes) == expected, "length \(length), one call")
        }
    }

    @Test func bigEndianBytesAreTheValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.bigEndianBytes == [0xCB, 0xF4, 0x39, 0x26])
    }
}
