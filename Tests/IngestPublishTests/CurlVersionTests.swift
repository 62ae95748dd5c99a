import Testing

@testable import IngestPublish

@Suite("libcurl version and global init")
struct CurlVersionTests {
    @Test func versionInfoDescribesTheLinkedLibrary() {
        let info = Curl.version
        #expect(info.version.hasPrefix("7.") || info.version.hasPrefix("8."), "version \(info.version)")
        #expect(info.protocols.contains("http"))
        #expect(info.protocols.contains("file"))
        #expect(info.supports(protocol: "FILE"))
        #expect(!info.supports(protocol: "no-such-protocol"))
        // The packed number must agree with the string: 0xXXYYZZ for X.Y.Z.
        let major = info.versionNumber >> 16
        #expect(info.version.hasPrefix("\(major)."))
    }

    @Test func globalInitCanBeCalledConcurrently() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try CurlGlobal.initialize() }
            }
            try await group.waitForAll()
        }
    }
}
