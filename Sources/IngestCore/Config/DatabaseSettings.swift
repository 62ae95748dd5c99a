import Foundation

/// `[database]`: where the job store lives. Unset, SQLite in `agent.state_dir` (one agent). `url` names a
/// PostgreSQL database instead, which every agent naming it shares. The password is never in the configuration:
/// `password_file` (readable by its owner only) or `$PGPASSWORD`.
public struct DatabaseSettings: Sendable, Equatable {
    public var postgres: PostgresLocation?
    public var passwordFile: String?
    /// How long a claimed job stays this agent's without a heartbeat (renewed every quarter of it). An agent cut off
    /// from the database for longer stops its workers; any agent may then re-queue the job.
    public var lease: Duration = .seconds(120)

    public init() {}

    /// The PostgreSQL location with its password, when one is configured.
    public func resolvedPostgres(environment: [String: String]) throws(DatabasePasswordError) -> PostgresLocation? {
        guard var place = postgres else { return nil }
        if let file = passwordFile {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                place.password = text.trimmingCharacters(in: .newlines)
            } catch {
                throw DatabasePasswordError(
                    description: "cannot read database.password_file \(file): \(error.localizedDescription)"
                )
            }
        } else if let password = environment["PGPASSWORD"], !password.isEmpty {
            place.password = password
        }
        return place
    }
}

public struct DatabasePasswordError: Error, CustomStringConvertible {
    public var description: String
}

extension DatabaseSettings {
    static func parse(_ r: TableReader) -> DatabaseSettings {
        var d = DatabaseSettings()
        if let url = r.optionalString("url") {
            do {
                let place = try PostgresLocation(url: url)
                if place.password != nil {
                    r.fail("url", "holds a password: put it in database.password_file (mode 600) or $PGPASSWORD")
                } else {
                    d.postgres = place
                }
            } catch {
                r.fail("url", error.description)
            }
        }
        d.passwordFile = r.optionalString("password_file")
        d.lease = r.duration("lease", default: d.lease, range: .seconds(2) ... .seconds(3600))
        if d.passwordFile != nil && d.postgres == nil {
            r.fail("password_file", "is only used with database.url")
        }
        r.finish()
        return d
    }
}
