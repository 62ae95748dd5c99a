import Logging
import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// `query`, except that it fails once the connection is closed instead of waiting for ever.
    ///
    /// postgres-nio 1.33 hands a query to its channel without a write promise: when the channel closed an instant
    /// before (the server ended the session, say after `idle_in_transaction_session_timeout` while this process was
    /// frozen), the write fails unseen and the answer never comes; the caller, often the scheduler, hangs with it.
    /// After the first second without an answer the connection is looked at every quarter second; once it is
    /// closed the call fails. The abandoned query keeps only its own suspended task.
    func queryUnlessClosed(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let answer = AnswerOnce()
        return try await withCheckedThrowingContinuation { continuation in
            answer.wait(continuation)
            let work = Task {
                do {
                    answer.give(.success(try await self.query(query, logger: logger)))
                } catch {
                    answer.give(.failure(error))
                }
            }
            let watch = Task {
                try await Task.sleep(for: .seconds(1))
                while !self.isClosed { try await Task.sleep(for: .milliseconds(250)) }
                answer.give(
                    .failure(PostgresStoreError(message: "the connection closed before answering", lostServer: true))
                )
                work.cancel()
            }
            answer.onAnswer { watch.cancel() }
        }
    }
}

/// The first of two racing outcomes, given once to a waiting continuation.
private final class AnswerOnce: Sendable {
    private struct State {
        var continuation: CheckedContinuation<PostgresRowSequence, any Error>?
        var answered = false
        var onAnswer: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<PostgresRowSequence, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `action` when the answer comes (at once if it came already).
    func onAnswer(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.answered { return true }
            state.onAnswer = action
            return false
        }
        if now { action() }
    }

    func give(_ result: Result<PostgresRowSequence, any Error>) {
        let waiting = state.withLock { state -> State? in
            guard !state.answered else { return nil }
            let waiting = state
            state = State(answered: true)
            return waiting
        }
        waiting?.continuation?.resume(with: result)
        waiting?.onAnswer?()
    }
}
