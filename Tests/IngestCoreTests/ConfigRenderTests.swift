import Foundation
import IngestCore
import Testing

@Suite("Resolved configuration output")
struct ConfigRenderTests {
    @Test func tomlOutputParsesBackToTheSameValues() throws {
        var config = AgentConfig()
        config.storage.url = "s3://bucket/prefix"
        config.storage.partSize = 32 << 20
        let tree = config.resolvedTree(environment: [:])
        let text = ConfigValue.toml(tree)
        let reparsed = try ConfigValue.parse(toml: text, file: "rendered")
        #expect(reparsed["storage"] == tree["storage"])
        #expect(reparsed["retry"] == tree["retry"])
        guard case .table(let storage)? = reparsed["storage"] else {
            Issue.record("no storage table")
            return
        }
        #expect(storage["part_size"] == .string("32MiB"))
    }

    @Test func secretsAreRedacted() {
        var config = AgentConfig()
        config.storage.url = "s3://bucket"
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let env = ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": secret]
        let json = ConfigValue.table(config.resolvedTree(environment: env)).json
        #expect(!json.contains(secret))
        #expect(!json.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(json.contains("AKIA****MPLE"))
    }

    @Test func jsonEscapesControlCharacters() {
        #expect(ConfigValue.string("a\"b\\c\nd\u{1}").json == #""a\"b\\c\nd\u0001""#)
    }
}

@Suite("Units")
struct UnitsTests {
    @Test func bytes() {
        #expect(Units.bytes("500MiB") == Int64(500) * 1_048_576)
        #expect(Units.bytes("1.5 GiB") == 1_610_612_736)
        #expect(Units.bytes("16MB") == 16_000_000)
        #expect(Units.bytes("4096") == 4096)
        #expect(Units.bytes("12 parsecs") == nil)
        #expect(Units.bytes("") == nil)
    }

    @Test func durations() {
        #expect(Units.duration("30s") == .seconds(30))
        #expect(Units.duration("2h") == .seconds(7200))
        #expect(Units.duration("250ms") == .milliseconds(250))
        #expect(Units.duration("5") == .seconds(5))
        #expect(Units.duration("soon") == nil)
        #expect(Units.formatDuration(.seconds(5400)) == "90m")
        #expect(Units.formatDuration(.milliseconds(1500)) == "1500ms")
    }

    @Test func bitrates() {
        #expect(Units.bitrate("5000k") == 5_000_000)
        #expect(Units.bitrate("2.5M") == 2_500_000)
        #expect(Units.bitrate("fast") == nil)
        #expect(Units.formatBytes(16 << 20) == "16MiB")
        #expect(Units.formatBytes(1000) == "1000")
    }
}
