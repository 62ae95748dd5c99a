import Foundation
import IngestCore
import TestSupport
import Testing

@Suite("passthrough settings")
struct PassthroughConfigTests {
    private func load(_ profile: String) throws -> AgentConfig {
        let dir = try TempDirectory()
        defer { dir.remove() }
        return try ConfigLoader.load(path: try dir.write("agent.toml", "[profiles.p]\n" + profile), mustExist: true)
    }

    @Test func defaultsAreAutomatic() throws {
        let profile = try #require(try load("").profiles["p"])
        #expect(profile.passthrough == .auto)
        #expect(profile.passthroughMaxBitrate == nil)
        #expect(profile.passthroughMaxKeyframeInterval == nil)
        // Derived from the top rung and the segment duration.
        #expect(profile.effectivePassthroughMaxBitrate == 7_225_000)
        #expect(profile.effectivePassthroughMaxKeyframeInterval == 8)
    }

    @Test func explicitValues() throws {
        let text = """
            segment_duration = "2s"
            passthrough = "never"
            passthrough_max_bitrate = "12M"
            passthrough_max_keyframe_interval = "10s"
            """
        let profile = try #require(try load(text).profiles["p"])
        #expect(profile.passthrough == .never)
        #expect(profile.effectivePassthroughMaxBitrate == 12_000_000)
        #expect(profile.effectivePassthroughMaxKeyframeInterval == 10)
        // "auto" spelt out is the default; the interval then follows the segment duration.
        let auto = try #require(
            try load("segment_duration = \"2s\"\npassthrough_max_keyframe_interval = \"auto\"").profiles["p"]
        )
        #expect(auto.effectivePassthroughMaxKeyframeInterval == 4)
    }

    @Test func badValuesAreReported() throws {
        do {
            _ = try load("passthrough = \"always\"\npassthrough_max_bitrate = \"fast\"")
            Issue.record("loaded a bad configuration")
        } catch let error as ConfigErrors {
            let text = error.issues.map(\.description).joined(separator: "\n")
            #expect(
                text.contains("profiles.p.passthrough: expected \"auto\" or \"never\", found \"always\""),
                "\(text)"
            )
            #expect(text.contains("profiles.p.passthrough_max_bitrate: not a bitrate"), "\(text)")
        }
    }
}
