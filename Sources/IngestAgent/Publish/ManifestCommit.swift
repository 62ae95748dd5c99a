import Foundation
import IngestCore
import IngestPublish
import Logging

/// Writes `video.json`, the one object that makes a revision live. Where the store honours conditional writes, the
/// write only goes through if `video.json` is still what this run read (`If-None-Match: *` when there is none,
/// `If-Match: <etag>` otherwise): of two agents that both believe they hold a job, only one can commit, and the
/// other fails its attempt instead of overwriting. Which agent may publish at all is the database's decision (the
/// claim's fence); this makes the store agree.
struct ManifestCommit: Sendable {
    /// The store's answer to the probe: in the background from the start, so that a store that is down does not
    /// hold the agent up; the first publication waits for it.
    let support: Task<ConditionalWriteSupport, Never>

    init(support: ConditionalWriteSupport) {
        self.support = Task { support }
    }

    /// Probes `store` once and says in the log whether `video.json` is written conditionally or only the
    /// database's fencing keeps two agents from both publishing one video (`fleet`: said as a notice).
    init(probing store: any ObjectStore, fleet: Bool, logger: Logger) {
        support = Task {
            let support = await store.probeConditionalWrites()
            switch support {
            case .honoured:
                logger.info("storage honours conditional writes: video.json is written with If-None-Match / If-Match")
            case .unavailable(let reason):
                logger.log(
                    level: fleet ? .notice : .info,
                    "storage has no conditional writes; only database fencing keeps two agents from both publishing",
                    metadata: ["reason": "\(reason)"]
                )
            }
            return support
        }
    }

    /// Stores `encoded` (the encoded `video`) as `video.json`. Returns nil when the store has no conditional
    /// writes: the caller uploads it like any object.
    func commit(_ video: PublishedVideo, bytes encoded: Data, logger: Logger) async throws -> StoredObject? {
        guard case .honoured(let writer) = await support.value else { return nil }
        let key = VideoLayout.manifestKey(video.videoId)
        let bytes = Array(encoded)
        let current = try await writer.read(key: key)
        if let current, Self.revision(of: current) == video.revision {
            // This run's own write, from an attempt whose answer was lost or that stopped right after it.
            return StoredObject(key: key, size: Int64(current.bytes.count), etag: current.etag)
        }
        let condition: WriteCondition = current.map { .matches(etag: $0.etag) } ?? .absent
        do {
            return try await writer.write(bytes, key: key, condition: condition)
        } catch is PreconditionFailed {
            let now = try await writer.read(key: key)
            if let now, Self.revision(of: now) == video.revision {
                return StoredObject(key: key, size: Int64(now.bytes.count), etag: now.etag)
            }
            let other = now.flatMap(Self.revision(of:)) ?? "none"
            logger.warning(
                "video.json changed while publishing; not overwritten",
                metadata: ["revision": "\(video.revision)", "now_names": "\(other)"]
            )
            throw StageFailure(
                "video.json was written by another agent while this one published (it names revision \(other)); "
                    + "this attempt did not overwrite it",
                kind: .storage
            )
        }
    }

    static func revision(of object: FetchedObject) -> String? {
        try? PublishedVideo.decode(Data(object.bytes)).revision
    }
}
