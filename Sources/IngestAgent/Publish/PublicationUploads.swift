import Foundation
import IngestCore
import IngestPublish
import Synchronization

/// The uploads of one publication run: output files go up as soon as the worker says they are complete, while it
/// keeps encoding; the publish step then waits for exactly the objects each manifest names before uploading that
/// manifest. Each file is sent at most once per run (and, through the lane's journal, once ever).
final class PublicationUploads: Sendable {
    private enum Entry {
        case inFlight([CheckedContinuation<Result<UploadedObject, any Error>, Never>])
        case done(UploadedObject)
        case failed(any Error)
    }

    private struct State {
        var entries: [String: Entry] = [:]
    }

    private let lane: UploadLane
    private let jobId: Int64
    private let priority: Int
    private let control: JobControl
    private let state = Mutex(State())

    init(lane: UploadLane, jobId: Int64, priority: Int, control: JobControl) {
        self.lane = lane
        self.jobId = jobId
        self.priority = priority
        self.control = control
    }

    /// Starts uploading `file` to `key` unless that key is already on its way or done. Safe from any thread.
    func start(file: String, key: String) {
        let submit = state.withLock { state -> Bool in
            switch state.entries[key] {
            case .inFlight, .done: return false
            case .failed, nil:
                state.entries[key] = .inFlight([])
                return true
            }
        }
        guard submit else { return }
        let control = self.control
        lane.submit(
            UploadItem(
                jobId: jobId,
                // What a player needs first (segments, playlists) ahead of the MP4, thumbnails and the original,
                // inside the job's own priority.
                priority: priority * 2 + (ObjectKind(key: key) == .asset ? 0 : 1),
                file: file,
                key: key,
                isCancelled: { control.isStopped },
                done: { [weak self] result in self?.finish(key, result) }
            )
        )
    }

    /// Uploads what is not yet on its way and waits for every one of `files` (key → local path). Throws the first
    /// failure; objects are returned in the order given.
    func upload(_ files: [(key: String, file: String)]) async throws -> [UploadedObject] {
        for entry in files { start(file: entry.file, key: entry.key) }
        var results: [UploadedObject] = []
        var firstError: (any Error)?
        for entry in files {
            switch await wait(entry.key) {
            case .success(let object): results.append(object)
            case .failure(let error): firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return results
    }

    /// Everything finished so far, by key.
    var finished: [String: UploadedObject] {
        state.withLock { state in
            state.entries.compactMapValues { if case .done(let object) = $0 { object } else { nil } }
        }
    }

    /// Waits until nothing is in flight (a stopped job must not leave threads writing for it).
    func settle() async {
        let keys = state.withLock { state in
            state.entries.compactMap { key, entry -> String? in
                if case .inFlight = entry { key } else { nil }
            }
        }
        for key in keys { _ = await wait(key) }
    }

    private func wait(_ key: String) async -> Result<UploadedObject, any Error> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Result<UploadedObject, any Error>? in
                switch state.entries[key] {
                case .done(let object): return .success(object)
                case .failed(let error): return .failure(error)
                case .inFlight(var waiters):
                    waiters.append(continuation)
                    state.entries[key] = .inFlight(waiters)
                    return nil
                case nil: return .failure(StageFailure("\(key) was never uploaded", kind: .storage))
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func finish(_ key: String, _ result: Result<UploadedObject, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Result<UploadedObject, any Error>, Never>] in
            guard case .inFlight(let waiters) = state.entries[key] else { return [] }
            switch result {
            case .success(let object): state.entries[key] = .done(object)
            case .failure(let error): state.entries[key] = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }
}
