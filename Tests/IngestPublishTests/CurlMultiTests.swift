import Foundation
import Testing

@testable import IngestPublish

@Suite("CurlMulti against real libcurl (file:// only)")
struct CurlMultiTests {
    @Test func threeDownloadsEachGetTheirOwnBytes() throws {
        let directory = try CurlTestDirectory()
        let payloads = [randomBytes(70_000), randomBytes(1), randomBytes(33_333)]
        let multi = try CurlMulti()
        var expected: [ObjectIdentifier: [UInt8]] = [:]
        for (index, payload) in payloads.enumerated() {
            let url = try directory.file("file\(index).bin", bytes: payload)
            let easy = try CurlEasy()
            try easy.setURL(url.absoluteString)
            try multi.add(easy)
            expected[ObjectIdentifier(easy)] = payload
        }
        #expect(multi.pendingCount == 3)

        let completions = try multi.run()

        #expect(completions.count == 3)
        #expect(multi.pendingCount == 0)
        for completion in completions {
            let response = try completion.result.get()
            #expect(response.body == expected[ObjectIdentifier(completion.easy)])
        }
    }

    @Test func oneFailingTransferDoesNotBreakTheOthers() throws {
        let directory = try CurlTestDirectory()
        let good = [randomBytes(20_000), randomBytes(40_000), randomBytes(60_000)]
        let multi = try CurlMulti()
        var expected: [ObjectIdentifier: [UInt8]] = [:]
        for (index, payload) in good.enumerated() {
            let easy = try CurlEasy()
            try easy.setURL(try directory.file("ok\(index).bin", bytes: payload).absoluteString)
            try multi.add(easy)
            expected[ObjectIdentifier(easy)] = payload
        }
        let failing = try CurlEasy()
        try failing.setURL(directory.path("missing.bin").absoluteString)
        try multi.add(failing)

        let completions = try multi.run()

        #expect(completions.count == 4)
        for completion in completions {
            if completion.easy === failing {
                let error = #expect(throws: CurlError.self) { try completion.result.get() }
                #expect(error?.code == 37)
                #expect(error?.message == "Couldn't read a file:// file")
                #expect(error?.detail == "Couldn't open file \(directory.path("missing.bin").path)")
            } else {
                #expect(try completion.result.get().body == expected[ObjectIdentifier(completion.easy)])
            }
        }
    }

    @Test func manualPerformPollLoopWithConnectionCap() throws {
        let directory = try CurlTestDirectory()
        let multi = try CurlMulti()
        try multi.setMaxTotalConnections(2)
        try multi.setMaxHostConnections(1)
        var handles: [CurlEasy] = []
        for index in 0..<4 {
            let easy = try CurlEasy()
            try easy.setURL(try directory.file("f\(index).bin", bytes: randomBytes(1000 * (index + 1))).absoluteString)
            try multi.add(easy)
            handles.append(easy)
        }

        var completions: [CurlMultiCompletion] = []
        var rounds = 0
        while multi.pendingCount > 0 && rounds < 1000 {
            rounds += 1
            try multi.perform()
            completions += try multi.readCompletions()
            if multi.pendingCount > 0 {
                try multi.poll(timeout: .milliseconds(50))
            }
        }

        #expect(completions.count == 4)
        let sizes = try completions.map { try $0.result.get().body.count }.sorted()
        #expect(sizes == [1000, 2000, 3000, 4000])
    }

    @Test func attachmentRulesAndReuseAfterCompletion() throws {
        let directory = try CurlTestDirectory()
        let bytes = randomBytes(500)
        let url = try directory.file("f.bin", bytes: bytes).absoluteString
        let multi = try CurlMulti()
        let easy = try CurlEasy()
        try easy.setURL(url)
        try multi.add(easy)

        // While the multi owns the transfer the handle cannot be added twice or performed directly.
        #expect(throws: CurlError.self) { try multi.add(easy) }
        let direct = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(direct?.code == 43)

        // Removing abandons it; it is then free for the easy interface again.
        try multi.remove(easy)
        #expect(multi.pendingCount == 0)
        #expect(throws: CurlError.self) { try multi.remove(easy) }
        #expect(try easy.perform().body == bytes)

        // After a completion the handle is detached and reusable as well.
        try multi.add(easy)
        let completions = try multi.run()
        #expect(completions.count == 1)
        #expect(try easy.perform().body == bytes)
    }
}
