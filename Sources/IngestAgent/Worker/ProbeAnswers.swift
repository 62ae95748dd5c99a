import IngestCore
import Synchronization

/// The probe answers intake already has, kept for the probe stage so that a file is probed once, not twice: each
/// start of `reel-ingest-media` costs about 85 ms of CPU (libav's libraries loading, as for `ffmpeg -version`), a
/// third of a one-second clip's whole run. An answer is used once, and only while the file is exactly as it was
/// probed (device, inode, size, modification time) under the same limits; anything else is probed again, as is
/// every job after a restart or taken by another agent.
final class ProbeAnswers: Sendable {
    private struct Answer {
        var file: FileObservation
        var limits: Limits
        var summary: String
    }

    /// Answers kept at most: a burst of this many files waiting for a worker is probed once each; beyond it the
    /// oldest answers go (their jobs probe again).
    let capacity: Int
    private let answers = Mutex<[Int64: Answer]>([:])

    init(capacity: Int = 2_000) {
        self.capacity = capacity
    }

    /// Keeps the probe's JSON for `job`, read from `file` under `limits`.
    func keep(job: Int64, file: FileObservation, limits: Limits, summary: String) {
        answers.withLock { answers in
            if answers.count >= capacity, let oldest = answers.keys.min() {
                answers[oldest] = nil
            }
            answers[job] = Answer(file: file, limits: limits, summary: summary)
        }
    }

    /// The kept JSON for `job` if `file` and `limits` are those it was probed with; forgotten either way.
    func take(job: Int64, file: FileObservation, limits: Limits) -> String? {
        let answer = answers.withLock { $0.removeValue(forKey: job) }
        guard let answer, answer.file == file, answer.limits == limits else { return nil }
        return answer.summary
    }

    var count: Int { answers.withLock { $0.count } }
}
