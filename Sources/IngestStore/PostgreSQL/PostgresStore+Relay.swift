import Foundation
import IngestCore
import PostgresNIO

/// Other agents' job updates, over LISTEN/NOTIFY: every transaction that changes a job notifies (delivered at
/// commit, never after a rollback), and each daemon relays what others committed into its own `updates`. An idle
/// agent's scheduler wakes at once when another agent queues work, and the status page shows the whole fleet live.
/// NOTIFY is not durable: a relay that reconnects may have missed some, so it wakes the scheduler to look again.
extension PostgresStore {
    static let channel = "reel_ingest_jobs"

    /// What one notification carries: the sending process, and the update, or none for a plain wake-up.
    struct Notice: Codable {
        var from: String
        var update: JobUpdate?
    }

    /// Queues one notification per update (and one wake-up) in the transaction about to commit.
    func announce(_ pending: PendingUpdates, on session: PostgresSession) async throws {
        var notices = pending.all.map { Notice(from: instance, update: $0) }
        if pending.wakesOthers { notices.append(Notice(from: instance, update: nil)) }
        for var notice in notices {
            var payload = try Self.payload(notice)
            // PostgreSQL takes payloads under 8000 bytes: a long message goes, the state change stays.
            if payload.utf8.count >= 8000 {
                notice.update?.message = nil
                payload = try Self.payload(notice)
            }
            guard payload.utf8.count < 8000 else { continue }
            try await session.execute("SELECT pg_notify(?, ?)", [Self.channel, payload])
        }
    }

    private static func payload(_ notice: Notice) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(notice), as: UTF8.self)
    }

    /// Listens until cancelled, reconnecting a second after the listening session ends.
    func relayOtherAgents() async {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        // Listening from now on; what came meanwhile is only in the database: look there.
                        updates.jobBecameRunnable()
                        for try await notification in notifications {
                            guard let notice = try? decoder.decode(Notice.self, from: Data(notification.payload.utf8)),
                                notice.from != instance
                            else { continue }
                            if let update = notice.update { updates.emit(update) } else { updates.jobBecameRunnable() }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("listening for other agents' updates failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
