import Foundation
import IngestCore

/// Where completed output files go: first into the checkpoint journal (once it is open), then to whoever asked to
/// be told (`TranscodeRequest.fileWritten`). Called from encoder threads and the decoding thread.
final class OutputRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var journal: Checkpoint?
    private let announce: @Sendable (String) -> Void

    init(announce: @escaping @Sendable (String) -> Void) {
        self.announce = announce
    }

    /// From now on every completed file is journaled before it is announced.
    func use(_ checkpoint: Checkpoint) {
        lock.withLock { journal = checkpoint }
    }

    private var checkpoint: Checkpoint? { lock.withLock { journal } }

    func completed(_ file: TrackFile) throws {
        switch file {
        case .initSegment(let track, let path, let written):
            try checkpoint?.record(
                CheckpointRecord(
                    initSegment: .init(track: track, file: path, bytes: written.bytes, sha256: written.sha256)
                )
            )
            announce(path)
        case .segment(let track, let index, let segment):
            try checkpoint?.record(CheckpointRecord(segment: .init(track: track, index: index, segment: segment)))
            announce(segment.file)
        case .finished(let track):
            try checkpoint?.record(CheckpointRecord(finished: track))
        }
    }

    func thumbnails(_ files: [ThumbnailTaker.Written]) throws {
        try checkpoint?.record(CheckpointRecord(thumbnails: files))
        for file in files { announce(file.path) }
    }

    /// Files written after the last segment (playlists, MPD, MP4, video.json): nothing resumes from them.
    func manifest(_ path: String) {
        announce(path)
    }

    /// Files kept from an interrupted run, announced again at the start of the resumed one.
    func kept(_ paths: [String]) {
        for path in paths { announce(path) }
    }
}
