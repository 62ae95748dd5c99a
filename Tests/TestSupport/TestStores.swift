import Foundation
import IngestCore
import IngestStore
import Logging
import PostgresNIO

/// The two job store backends, for tests that must pass on both: `@Test(arguments: StoreBackend.allCases)`.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// A fresh, empty store of this backend for the length of `body`: a SQLite file in a temp folder, or a new
    /// database on the test PostgreSQL server (`REEL_INGEST_TEST_POSTGRES_URL`), dropped afterwards.
    public func withStore<T>(_ body: (any JobStore, TempDirectory) async throws -> T) async throws -> T {
        let dir = try TempDirectory()
        defer { dir.remove() }
        switch self {
        case .sqlite:
            return try await body(try SQLiteStore(path: dir.path + "/state/reel-ingest.sqlite"), dir)
        case .postgres:
            return try await TestPostgres.withFreshDatabase { place in
                try await PostgresStore.withStore(place, logger: TestPostgres.logger) { store in
                    try await body(store, dir)
                }
            }
        }
    }
}

extension StoreBackend {
    /// Two handles on one fresh store, as two agents sharing it would hold: two SQLite connections pools on one
    /// file, or two PostgreSQL connection pools on one database.
    public func withTwoStores<T>(_ body: (any JobStore, any JobStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let dir = try TempDirectory()
            defer { dir.remove() }
            let path = dir.path + "/state/reel-ingest.sqlite"
            return try await body(try SQLiteStore(path: path), try SQLiteStore(path: path))
        case .postgres:
            return try await TestPostgres.withFreshDatabase { place in
                try await PostgresStore.withStore(place, logger: TestPostgres.logger) { first in
                    try await PostgresStore.withStore(place, logger: TestPostgres.logger) { second in
                        try await body(first, second)
                    }
                }
            }
        }
    }
}

/// The test PostgreSQL server `make test` starts, and throwaway databases on it.
public enum TestPostgres {
    public static let logger = Logger(label: "reel-ingest-tests.postgres")

    /// The server's own database (`REEL_INGEST_TEST_POSTGRES_URL`), whose role may create databases.
    public static func server() throws -> PostgresLocation {
        let url = try TestServerEnvironment.value(
            "REEL_INGEST_TEST_POSTGRES_URL",
            neededBy: "the PostgreSQL store tests"
        )
        var place = try PostgresLocation(url: url)
        place.tls = .disable
        return place
    }

    /// Creates an empty database, runs `body` with its location, and drops it (also when `body` throws).
    public static func withFreshDatabase<T>(_ body: (PostgresLocation) async throws -> T) async throws -> T {
        let server = try server()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await administer(server, "CREATE DATABASE \(name)")
        var place = server
        place.database = name
        do {
            let result = try await body(place)
            await drop(name, on: server)
            return result
        } catch {
            await drop(name, on: server)
            throw error
        }
    }

    /// Drops a test database, trying again for a moment: an autovacuum worker still in it can make
    /// `DROP … WITH (FORCE)` fail. A database left behind costs nothing on the throwaway server, so it fails no test.
    private static func drop(_ name: String, on server: PostgresLocation) async {
        for attempt in 1...5 {
            do {
                try await administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    /// Runs one statement outside a transaction (CREATE/DROP DATABASE cannot run inside one).
    public static func administer(_ place: PostgresLocation, _ sql: String) async throws {
        let configuration = PostgresConnection.Configuration(
            host: place.host,
            port: place.port,
            username: place.username,
            password: place.password,
            database: place.database,
            tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
