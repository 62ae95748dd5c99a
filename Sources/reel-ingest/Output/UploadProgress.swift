import ArgumentParser
import Foundation
import IngestPublish

/// How `push` shows progress.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    /// A bar on a terminal, nothing otherwise.
    case auto
    case bar
    /// One JSON object per line on stdout: `start`, `part`, `progress`, `retry`, `done`.
    case json
    case none
}

/// Turns upload events (from worker threads) into a progress bar on stderr or JSON lines on stdout. Writes go
/// straight to the file descriptor (no stdio buffering), so a reader of the pipe sees each line as it happens.
final class UploadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let mode: ProgressMode
    private var file = ""
    private var key = ""
    private var startedAt = Date()
    private var lastDraw = Date.distantPast
    private(set) var partsSkipped = 0
    private(set) var partsSent = 0
    private(set) var partCount = 0

    init(mode: ProgressMode) {
        if mode == .auto {
            self.mode = isatty(STDERR_FILENO) == 1 ? .bar : .none
        } else {
            self.mode = mode
        }
    }

    var isJSON: Bool { mode == .json }

    func begin(file: String, key: String, size: Int64) {
        lock.withLock {
            self.file = file
            self.key = key
            startedAt = Date()
            lastDraw = .distantPast
            partsSkipped = 0
            partsSent = 0
            partCount = 1
        }
        json(["event": "file", "file": file, "key": key, "size": size])
    }

    func handle(_ event: UploadEvent) {
        switch event {
        case .started(let uploadId, let count, let partSize, let done, let resumed):
            lock.withLock {
                partCount = count
                partsSkipped = done
            }
            json([
                "event": "start", "key": key, "uploadId": uploadId, "parts": count, "partSize": partSize,
                "partsDone": done, "resumed": resumed,
            ])
        case .partDone(let number, let size, let etag):
            lock.withLock { partsSent += 1 }
            json(["event": "part", "key": key, "part": number, "size": size, "etag": etag])
        case .bytes(let done, let total):
            draw(done: done, total: total)
        case .retrying(let operation, let attempt, let error):
            json(["event": "retry", "key": key, "operation": operation, "attempt": attempt, "error": error])
            if mode == .bar { write(STDERR_FILENO, "\nretrying \(operation) after try \(attempt): \(error)\n") }
        }
    }

    func finish(_ object: StoredObject) {
        let seconds = Date().timeIntervalSince(lock.withLock { startedAt })
        let (skipped, sent, count) = lock.withLock { (partsSkipped, partsSent, partCount) }
        if mode == .bar { draw(done: object.size, total: object.size, force: true) }
        if mode == .bar { write(STDERR_FILENO, "\n") }
        json([
            "event": "done", "key": object.key, "size": object.size, "etag": object.etag, "parts": count,
            "partsSkipped": skipped, "partsSent": sent, "seconds": seconds,
        ])
    }

    private func draw(done: Int64, total: Int64, force: Bool = false) {
        let now = Date()
        let (start, due) = lock.withLock { () -> (Date, Bool) in
            let due = force || now.timeIntervalSince(lastDraw) >= 0.25
            if due { lastDraw = now }
            return (startedAt, due)
        }
        guard due else { return }
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(done) / elapsed
        switch mode {
        case .json:
            json(["event": "progress", "key": key, "bytes": done, "total": total, "bytesPerSecond": Int(rate)])
        case .bar:
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            let eta = rate > 0 ? Int(Double(total - done) / rate) : 0
            let line = String(
                format: "\r[%@] %3d%% %@ / %@  %@/s  ETA %ds ",
                bar,
                Int(fraction * 100),
                mib(done),
                mib(total),
                mib(Int64(rate)),
                eta
            )
            write(STDERR_FILENO, line)
        case .auto, .none:
            break
        }
    }

    private func mib(_ bytes: Int64) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    private func json(_ object: [String: Any]) {
        guard mode == .json,
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return }
        write(STDOUT_FILENO, String(decoding: data, as: UTF8.self) + "\n")
    }

    private func write(_ fd: Int32, _ text: String) {
        lock.withLock {
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let result = bytes.withUnsafeMutableBytes {
                    Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset)
                }
                if result <= 0 { break }
                offset += result
            }
        }
    }
}
