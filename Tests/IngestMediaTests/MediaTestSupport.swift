import Foundation
import IngestCore
import TestSupport

/// Makes a clip with the ffmpeg CLI, the independent producer of test media.
func ffmpeg(_ arguments: [String]) async throws {
    let result = try await Tool.run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
    guard result.status == 0 else { throw ToolFailure(tool: "ffmpeg", result: result) }
}

/// ffprobe's JSON for a file or manifest: the independent reader of what we write.
func ffprobe(_ arguments: [String]) async throws -> [String: Any] {
    let result = try await Tool.run("/usr/bin/ffprobe", ["-v", "error", "-of", "json"] + arguments)
    guard result.status == 0 else { throw ToolFailure(tool: "ffprobe", result: result) }
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
}

/// ffmpeg's PSNR (dB) between two pictures of the same size: the independent judge of "same picture".
func psnr(_ a: String, _ b: String) async throws -> Double {
    let result = try await Tool.run(
        "/usr/bin/ffmpeg",
        ["-hide_banner", "-i", a, "-i", b, "-lavfi", "psnr", "-f", "null", "-"]
    )
    guard let range = result.stderr.range(of: "average:") else { throw ToolFailure(tool: "psnr", result: result) }
    let value = result.stderr[range.upperBound...].prefix { $0 != " " }
    return value == "inf" ? 100 : Double(value) ?? 0
}

struct ToolFailure: Error, CustomStringConvertible {
    var tool: String
    var result: Tool.Result
    var description: String { "\(tool) exited \(result.status): \(result.stderr)" }
}

enum Tool {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a tool to its end on a Dispatch thread: waiting for a child must not hold one of the cooperative
    /// pool's few threads, which the other suites' async tests need.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> Result
    {
        try await runBlocking { () throws -> Result in try runNow(executable, arguments, environment: environment) }
    }

    private static func runNow(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> Result
    {
        let result = try runProcess(executable, arguments, environment: environment)
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// One run of the worker watched line by line: what it printed on stdout, and how it ended.
struct WatchedRun: Sendable {
    var lines: [String]
    var stderr: String
    /// Exit status, or the signal that ended it.
    var status: Int32
    var killed: Bool

    /// The JSON objects of stdout.
    var objects: [[String: Any]] {
        lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Paths announced by `{"event":"file"}` lines, in order.
    var files: [String] {
        objects.filter { $0["event"] as? String == "file" }.compactMap { $0["path"] as? String }
    }

    var logs: [String] {
        objects.filter { $0["event"] as? String == "log" }.compactMap { $0["message"] as? String }
    }
}

extension Tool {
    /// Runs the worker and reads its stdout line by line as it comes; once `killWhen` says so for a line, the
    /// process gets SIGKILL at once (an interruption at a point of its own progress, not after some time).
    static func watch(_ arguments: [String], killWhen: @escaping @Sendable ([String: Any]) -> Bool = { _ in false })
        async throws -> WatchedRun
    {
        try await runBlocking { () throws -> WatchedRun in
            let process = childProcess(TestBinaries.mediaWorker, arguments)
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let errors = PipeCollector(err.fileHandleForReading)
            var lines: [String] = []
            var buffer = Data()
            var killed = false
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    lines.append(line)
                    let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                    if !killed, let object, killWhen(object) {
                        kill(process.processIdentifier, SIGKILL)
                        killed = true
                    }
                }
            }
            process.waitUntilExit()
            return WatchedRun(
                lines: lines,
                stderr: String(decoding: errors.wait(), as: UTF8.self),
                status: process.terminationStatus,
                killed: killed && process.terminationReason == .uncaughtSignal
            )
        }
    }
}

/// Kill condition: the first transcoding progress line at or past `percent`.
func atProgress(_ percent: Double) -> @Sendable ([String: Any]) -> Bool {
    { object in
        object["stage"] as? String == "transcoding" && (object["percent"] as? Double ?? 0) >= percent
    }
}

/// The EXTINF durations of a media playlist.
func playlistDurations(_ path: String) throws -> [Double] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        .filter { $0.hasPrefix("#EXTINF:") }
        .compactMap { Double($0.dropFirst("#EXTINF:".count).prefix { $0 != "," }) }
}

/// Every `<S t= d= r=>` of each Representation's SegmentTimeline, expanded: representation id → [(start, duration)].
func dashTimelines(_ path: String) throws -> [String: [(Int64, Int64)]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var result: [String: [(Int64, Int64)]] = [:]
    var current: String?
    for line in text.split(separator: "\n") {
        if let id = attribute("id", of: line), line.contains("<Representation") { current = id }
        guard line.contains("<S "), let current, let t = attribute("t", of: line).flatMap({ Int64($0) }),
            let d = attribute("d", of: line).flatMap({ Int64($0) })
        else { continue }
        let repeats = attribute("r", of: line).flatMap { Int($0) } ?? 0
        for k in 0...repeats { result[current, default: []].append((t + Int64(k) * d, d)) }
    }
    return result
}

private func attribute(_ name: String, of line: Substring) -> String? {
    guard let range = line.range(of: " \(name)=\"") else { return nil }
    return String(line[range.upperBound...].prefix { $0 != "\"" })
}

/// SHA-256 of every packet of the first video stream, in decode order (ffprobe's data hashes).
func videoPacketHashes(_ path: String) async throws -> [String] {
    let json = try await ffprobe([
        "-select_streams", "v:0", "-show_packets", "-show_data_hash", "sha256", "-show_entries", "packet=data_hash",
        path,
    ])
    return (json["packets"] as? [[String: Any]] ?? []).compactMap { $0["data_hash"] as? String }
}
