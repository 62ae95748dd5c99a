import Foundation
import IngestCore

/// The conditions a source must meet for its own H.264 to be published as the top rung, in the order a person
/// would look for them. Each refusal is one plain reason. Pure: facts in, reason out.
enum PassthroughPolicy {
    /// What the stream's parameters say (from the probe), before any packet is read.
    struct StreamFacts: Sendable {
        var codec: String
        var profile: String?
        var pixelFormat: String?
        var bitDepth: Int?
        var fieldOrder: String?
        var sampleAspectRatio: String?
        var rotation: Int
        var variableFrameRate: Bool
        var frameRate: Double?
        var averageFrameRate: Double?
        var width: Int
        var height: Int
        var hasConfiguration: Bool
        /// The stream's (or else the container's) average bit rate, when the file says.
        var bitRate: Int?
    }

    static let profiles = ["Baseline", "Constrained Baseline", "Main", "High"]

    /// The first stream-level condition that fails, or nil.
    static func streamRefusal(_ facts: StreamFacts, profile: Profile) -> String? {
        guard profile.passthrough == .auto else { return "passthrough = \"never\" in the profile" }
        guard facts.codec == "h264" else { return "video codec \(facts.codec) (needs h264)" }
        let format = facts.pixelFormat ?? "unknown"
        if let depth = facts.bitDepth, depth != 8 { return "\(depth)-bit video (\(format); needs 8-bit 4:2:0)" }
        guard format == "yuv420p" else { return "pixel format \(format) (needs 8-bit 4:2:0, yuv420p)" }
        guard let name = facts.profile, profiles.contains(name) else {
            return "H.264 profile \(facts.profile ?? "unknown") (needs Baseline, Main or High)"
        }
        guard facts.fieldOrder == "progressive" else {
            return "interlaced video (field order \(facts.fieldOrder ?? "unknown"))"
        }
        if let sar = facts.sampleAspectRatio, sar != "1:1", sar != "0:1" { return "non-square pixels (SAR \(sar))" }
        guard facts.rotation == 0 else { return "rotation to apply: \(facts.rotation)° (display matrix)" }
        guard let rate = facts.frameRate, rate > 0 else { return "unknown frame rate" }
        if facts.variableFrameRate {
            let average = facts.averageFrameRate.map { String(format: "%.2f", $0) } ?? "?"
            return "variable frame rate (\(average) fps on average, \(rateText(rate)) nominal)"
        }
        if rate > profile.maxFrameRate + 0.001 {
            return "\(rateText(rate)) fps exceeds max_frame_rate \(rateText(profile.maxFrameRate))"
        }
        let top = profile.renditions.map(\.height).max() ?? 0
        guard facts.height <= top else { return "height \(facts.height) above the top rung's \(top)" }
        guard facts.width % 2 == 0, facts.height % 2 == 0 else { return "odd size \(facts.width)x\(facts.height)" }
        guard facts.hasConfiguration else { return "no SPS/PPS in the container (H.264 configuration missing)" }
        let ceiling = profile.effectivePassthroughMaxBitrate
        if let average = facts.bitRate, average > ceiling {
            return "average bit rate \(kbit(average)) over the ceiling of \(kbit(ceiling))"
        }
        return nil
    }

    /// The packet-level conditions: keyframe spacing, then the peak segment bit rate.
    static func packetRefusal(longestGap: Double, peakBitrate: Int, profile: Profile) -> String? {
        let maxGap = profile.effectivePassthroughMaxKeyframeInterval
        if longestGap > maxGap + 1e-6 {
            return String(format: "keyframes %.1f s apart (max %.1f s)", longestGap, maxGap)
        }
        let ceiling = profile.effectivePassthroughMaxBitrate
        if peakBitrate > ceiling { return "peak bit rate \(kbit(peakBitrate)) over the ceiling of \(kbit(ceiling))" }
        return nil
    }

    static func kbit(_ bitsPerSecond: Int) -> String {
        "\(Int((Double(bitsPerSecond) / 1000).rounded())) kbit/s"
    }
}
