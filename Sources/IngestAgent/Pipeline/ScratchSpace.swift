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
