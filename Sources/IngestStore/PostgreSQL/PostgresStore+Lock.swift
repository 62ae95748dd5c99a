import Foundation

extension PostgresStore {
    /// The whole fleet: a session-level advisory lock held on one pooled connection while `body` runs; the server
    /// releases it when that session ends, so an agent that dies mid-way never keeps it.
    public func exclusively<T: Sendable>(_ name: String, _ body: () async throws -> T) async throws -> T? {
        let key = Self.lockKey(name)
        do {
            return try await client.withConnection { connection in
                let session = PostgresSession(connection: connection, logger: logger)
                guard try await session.scalar(Bool.self, "SELECT pg_try_advisory_lock(?)", [key]) == true else {
                    return nil
                }
                do {
                    let result = try await body()
                    try await session.execute("SELECT pg_advisory_unlock(?)", [key])
                    return result
                } catch {
                    try? await session.execute("SELECT pg_advisory_unlock(?)", [key])
                    throw error
                }
            }
        } catch {
            throw PostgresStoreError.mapped(error)
        }
    }

    /// A stable 64-bit key per lock name (FNV-1a), apart from the migrations' key by construction of the names.
    static func lockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("reel-ingest:" + name).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
