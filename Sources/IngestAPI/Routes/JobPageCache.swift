import IngestCore
import Synchronization

/// Job list pages as sent, on a store that hears of every change committed by any agent (PostgreSQL's NOTIFY; see
/// `JobStore.announcesChanges`). A page is served again while no job update has arrived since it was read and it
/// is under `maxAge` old: the age bounds what no update announces (a claim's lease renewed, a row edited by hand, a
/// configuration reloaded). Reading and encoding a page of 50 jobs costs about 2 ms of CPU between the agent and
/// PostgreSQL, so a page viewed by many at once would otherwise cost that many times over.
///
/// One read per page at a time: requests that find it being read for their generation wait for that read, and
/// once a page is only too old (nothing announced changed) the others get it while one request reads it again.
final class JobPageCache: Sendable {
    struct Key: Hashable {
        var state: JobState?
        var watch: String?
        var before: Int64?
        var limit: Int
    }

    private struct Entry {
        var bytes: [UInt8]
        var generation: UInt64
        var at: ContinuousClock.Instant
    }

    private struct Reading {
        var generation: UInt64
        var number: UInt64
        var task: Task<[UInt8], any Error>
    }

    private struct Slot {
        var entry: Entry?
        var reading: Reading?
    }

    private enum Answer {
        case page([UInt8])
        case reading(Task<[UInt8], any Error>)
    }

    private struct State {
        var slots: [Key: Slot] = [:]
        var reads: UInt64 = 0
    }

    private let state = Mutex(State())
    let maxAge: Duration
    /// Pages kept at most (other cursors and filters are other keys): beyond it the oldest half goes.
    let capacity: Int

    init(maxAge: Duration = .seconds(1), capacity: Int = 64) {
        self.maxAge = maxAge
        self.capacity = capacity
    }

    /// The page for `key` as read at `generation` (taken before asking) or later and under `maxAge` old, else
    /// `read`'s.
    func page(_ key: Key, generation: UInt64, read: @escaping @Sendable () async throws -> [UInt8]) async throws
        -> [UInt8]
    {
        let now = ContinuousClock.now
        let answer = state.withLock { state -> Answer in
            let slot = state.slots[key]
            if let entry = slot?.entry, entry.generation == generation,
                now - entry.at < maxAge || slot?.reading != nil
            {
                return .page(entry.bytes)
            }
            if let reading = slot?.reading, reading.generation >= generation { return .reading(reading.task) }
            if slot == nil, state.slots.count >= capacity { evictOldest(&state) }
            state.reads += 1
            let number = state.reads
            let task = Task { try await self.finish(key, generation, number, at: now, read) }
            state.slots[key, default: Slot()].reading = Reading(generation: generation, number: number, task: task)
            return .reading(task)
        }
        switch answer {
        case .page(let bytes): return bytes
        case .reading(let task): return try await task.value
        }
    }

    private func finish(
        _ key: Key,
        _ generation: UInt64,
        _ number: UInt64,
        at start: ContinuousClock.Instant,
        _ read: () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let result: Result<[UInt8], any Error>
        do { result = .success(try await read()) } catch { result = .failure(error) }
        state.withLock { state in
            guard var slot = state.slots[key] else { return }
            if slot.reading?.number == number { slot.reading = nil }
            if case .success(let bytes) = result, slot.entry.map({ $0.generation <= generation }) ?? true {
                slot.entry = Entry(bytes: bytes, generation: generation, at: start)
            }
            state.slots[key] = slot
        }
        return try result.get()
    }

    private func evictOldest(_ state: inout State) {
        let idle = state.slots.filter { $0.value.reading == nil }
        let oldest = idle.sorted { ($0.value.entry?.at ?? .now) < ($1.value.entry?.at ?? .now) }
        for (key, _) in oldest.prefix(capacity / 2) { state.slots.removeValue(forKey: key) }
    }
}
