import ArgumentParser
import Foundation
import IngestCore
import IngestMedia

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Say whether a file is a usable video and describe its streams.",
        discussion: """
            Exit 0 and a description when the file can be ingested, with whether a transcode with the profile \
            would publish the source's own H.264 as the top rung (passthrough) and why; exit 1 and one plain \
            reason on stderr (not a video file, no video stream, zero or unknown duration, ...) when it cannot.
            """
    )

    @Argument(help: "The file to probe.") var file: String
    @Flag(name: .long, help: "Print machine-readable JSON.") var json = false
    @Option(name: .long, help: "Profile the passthrough decision is made for.") var profile = "default"
    @OptionGroup var config: ConfigOption

    func run() throws {
        let agent = try config.load()
        guard let chosen = agent.profiles[profile] else {
            let known = agent.profiles.keys.sorted().joined(separator: ", ")
            throw ValidationError("unknown profile '\(profile)' (configured: \(known))")
        }
        let limits = agent.limits
        let probeLimits = ProbeLimits(
            maxWidth: limits.maxWidth,
            maxHeight: limits.maxHeight,
            maxDuration: Double(limits.maxDuration.components.seconds),
            allowedContainers: limits.allowedContainers
        )
        var report: ProbeReport
        do {
            report = try MediaProbe.probe(path: file, limits: probeLimits)
        } catch {
            throw Failure(error.description)
        }
        report.passthrough = PassthroughPlanner.decide(path: file, report: report, profile: chosen)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
        } else {
            print(ProbeText.render(report))
        }
    }
}

/// The human-readable probe summary.
enum ProbeText {
    static func render(_ report: ProbeReport) -> String {
        var lines = [
            "container  \(report.container) (\(report.formatName))",
            "duration   \(String(format: "%.3f", report.duration)) s",
            "size       \(report.size) bytes",
            "display    \(report.displayWidth)x\(report.displayHeight)",
        ]
        for stream in report.streams {
            var parts = ["#\(stream.index) \(stream.type) \(stream.codec)"]
            if let profile = stream.profile { parts.append(profile) }
            if let w = stream.width, let h = stream.height { parts.append("\(w)x\(h)") }
            if let rotation = stream.rotation, rotation != 0 { parts.append("rotate \(rotation)°") }
            if let sar = stream.sampleAspectRatio, sar != "1:1" { parts.append("SAR \(sar)") }
            if let rate = stream.frameRate {
                parts.append(String(format: "%.3f fps", rate) + (stream.variableFrameRate == true ? " (variable)" : ""))
            }
            if let format = stream.pixelFormat { parts.append(format) }
            if let depth = stream.bitDepth { parts.append("\(depth)-bit") }
            if let order = stream.fieldOrder, order != "progressive", order != "unknown" { parts.append(order) }
            if let rate = stream.sampleRate { parts.append("\(rate) Hz") }
            if let layout = stream.channelLayout { parts.append(layout) }
            lines.append("stream     " + parts.joined(separator: ", "))
        }
        if let decision = report.passthrough {
            lines.append("passthrough " + (decision.used ? "yes: " : "no: ") + decision.reason)
        }
        return lines.joined(separator: "\n")
    }
}
