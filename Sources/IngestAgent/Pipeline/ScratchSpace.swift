import Foundation
import IngestCore

#if canImport(Glibc)
    import Glibc
#endif

/// Per-job scratch folders under `agent.scratch_dir`: `job-<id>/out` holds the transcode's outputs. A folder
/// outlives an interrupted run, so a restarted job continues from what is there; it is removed once the video is
/// published, the job is cancelled, or (by `retry-sweep`) when the job no longer needs it.
struct ScratchSpace: Sendable {
    let root: String

    func folder(job id: Int64) -> String { root + "/job-\(id)" }
    func output(job id: Int64) -> String { folder(job: id) + "/out" }

    /// Bytes free for an unprivileged writer on the scratch filesystem.
    func freeBytes() -> Int64? {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// What a transcode of `duration` seconds with `profile` may write: every rung's segments at its peak rate, the
    /// progressive MP4 (the largest rung, to be safe), audio twice, thumbnails, plus a margin.
    static func estimate(duration: Double, profile: Profile) -> Int64 {
        let peak = profile.renditions.map { Double(max($0.maxrate, $0.videoBitrate)) }
        let videoBits = peak.reduce(0, +) + (peak.max() ?? 0)
        let bits = (videoBits + 2 * Double(profile.audio.bitrate)) * max(duration, 1)
        return Int64(bits / 8 * 1.1) + (64 << 20)
    }

    /// Throws `NoRoom` when the disk cannot hold the outputs, rather than producing a truncated file later. The job
    /// then waits for room: a full disk is the machine's condition, not the file's.
    func checkRoom(for needed: Int64) throws(NoRoom) {
        guard let free = freeBytes() else { return }
        if free < needed { throw NoRoom(needed: needed, free: free, root: root, during: nil) }
    }

    /// Deletes the job's folder. The pipeline ignores a failure (the retry sweep removes what is left); the sweep
    /// reports it (a sandbox that may not write here, a permission).
    func remove(job id: Int64) throws {
        let path = folder(job: id)
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }

    /// Job ids that have a folder here.
    func jobFolders() -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { $0.hasPrefix("job-") ? Int64($0.dropFirst(4)) : nil }
    }
}

/// Why a stage failed, as the one line recorded on the job, plus a short kind for analytics and metrics
/// (`worker-signal`, `timeout`, `worker`, `storage`, `source`, `probe`, `config`, `other`). A full scratch disk is no
/// failure of the job: it is `NoRoom`, and the job waits.
struct StageFailure: Error, Sendable, CustomStringConvertible {
    let description: String
    let kind: String

    init(_ description: String, kind: String = "other") {
        self.description = description
        self.kind = kind
    }
}

/// The source can never work: reject, do not retry.
struct StageRejection: Error, Sendable {
    let reason: String
    let advice: String
}

/// The scratch disk cannot hold a job's outputs now: found before the transcode (`needed` known) or by the worker
/// running out of space (`during`: its error).
struct NoRoom: Error, CustomStringConvertible {
    var needed: Int64?
    var free: Int64?
    var root: String
    var during: String?

    var description: String {
        let sizes = Units.formatBytesAlike([needed, free].compactMap { $0 })
        switch (needed, free) {
        case (.some, .some):
            return "no room on the scratch disk: needs \(sizes[0]), \(sizes[1]) free in \(root)"
        case (nil, .some):
            return "the scratch disk filled up during the transcode (\(during ?? "")): \(sizes[0]) free in \(root)"
        default:
            return "the scratch disk filled up during the transcode (\(during ?? "")) in \(root)"
        }
    }
}
