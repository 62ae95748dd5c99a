import IngestCore
import Testing

@Suite("file names that are bytes, not text")
struct FileSystemNameTests {
    /// `Übung 3.mp4` as a Latin-1 workstation writes it: 0xDC, then ASCII.
    static let latin1: [UInt8] = [0xDC] + Array("bung 3.mp4".utf8)

    @Test func latin1NameKeepsItsBytesAndReadsEscaped() {
        let name = FileSystemName.decode(Self.latin1)
        #expect(FileSystemName.encode(name) == Self.latin1)
        #expect(name.readablePath == #"\xDCbung 3.mp4"#)
        #expect(FileSystemName.hasEscapes(name))
    }

    @Test func validUTF8IsTheSameStringAsBefore() {
        let name = "Übung 3 – Schweißen.mp4"
        #expect(FileSystemName.decode(Array(name.utf8)) == name)
        #expect(FileSystemName.encode(name) == Array(name.utf8))
        #expect(name.readablePath == name)
        #expect(!FileSystemName.hasEscapes(name))
    }

    /// A truncated sequence, a stray continuation byte, an overlong slash, a UTF-16 surrogate written as UTF-8,
    /// and valid UTF-8 for one of the escape scalars themselves: every one comes back byte for byte.
    @Test(
        arguments: [
            [0xC3] + Array("x".utf8), [0x80, 0x41], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x8F, 0xBF, 0x9C],
            [0xF4, 0x90, 0x80, 0x80], Array("plain".utf8) + [0xFF],
        ] as [[UInt8]]
    )
    func awkwardBytesRoundTrip(bytes: [UInt8]) {
        let name = FileSystemName.decode(bytes)
        #expect(FileSystemName.encode(name) == bytes)
        #expect(name.readablePath.unicodeScalars.allSatisfy { $0.value < 0x10_0000 }, "readable has no escapes left")
    }

    @Test func randomBytesRoundTrip() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 1...24, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 1...255, using: &generator) }
            #expect(FileSystemName.encode(FileSystemName.decode(bytes)) == bytes, "\(bytes)")
        }
    }

    @Test func systemCallsGetTheExactBytes() {
        let name = FileSystemName.decode(Self.latin1)
        let passed = name.withFileSystemPath { pointer in
            Array(UnsafeBufferPointer(start: pointer, count: Self.latin1.count + 1)).map { UInt8(bitPattern: $0) }
        }
        #expect(passed == Self.latin1 + [0])
    }
}

@Suite("log values")
struct LogTextTests {
    @Test func newlineInAValueCannotStartALine() {
        let forged = "/share/forge\nFORGED-LINE job 999 published.mp4"
        let value = LogText.value(forged)
        #expect(!value.contains("\n"))
        #expect(value == #""/share/forge\nFORGED-LINE job 999 published.mp4""#)
    }

    @Test func plainWordsStayBare() {
        #expect(LogText.value("/share/line-1/take_1.mp4") == "/share/line-1/take_1.mp4")
        #expect(LogText.value("42") == "42")
    }

    @Test func spacesQuotesAndEqualsAreQuoted() {
        #expect(LogText.value("take 1.mp4") == #""take 1.mp4""#)
        #expect(LogText.value(#"say "hi""#) == #""say \"hi\"""#)
        #expect(LogText.value("a size=1") == #""a size=1""#)
        #expect(LogText.value(#"C:\temp"#) == #""C:\\temp""#)
        #expect(LogText.value("") == #""""#)
    }

    @Test func controlAndFormatCharactersAreEscaped() {
        let value = LogText.value("red\u{1B}[31m\r\t\u{2028}\u{202E}end")
        #expect(value == #""red\u{1b}[31m\r\t\u{2028}\u{202e}end""#)
        #expect(LogText.message("line one\nline two") == #"line one\nline two"#)
        #expect(LogText.message("cancelled: source disappeared") == "cancelled: source disappeared")
    }

    @Test func bytesThatAreNotUTF8ReadAsHex() {
        let name = FileSystemName.decode([0xDC] + Array("bung.mp4".utf8))
        #expect(LogText.value(name) == #""\xDCbung.mp4""#)
        #expect(LogText.message("took " + name) == #"took \xDCbung.mp4"#)
    }
}
