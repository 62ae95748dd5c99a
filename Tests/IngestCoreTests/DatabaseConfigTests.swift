import Foundation
import IngestCore
import TestSupport
import Testing

private func load(_ agent: String, setup: (TempDirectory) throws -> Void = { _ in }) throws -> Result<
    AgentConfig, ConfigErrors
> {
    let dir = try TempDirectory()
    defer { dir.remove() }
    try setup(dir)
    let file = try dir.write("agent.toml", agent)
    do {
        return .success(try ConfigLoader.load(path: file, mustExist: true, requireWatchFolders: false))
    } catch {
        return .failure(error)
    }
}

@Suite("Configuration: [database] and the agent's name")
struct DatabaseConfigTests {
    @Test func aPostgresURLIsParsedAndShownWithoutItsPassword() throws {
        let place = try PostgresLocation(url: "postgresql://reel%40plant:s3cr%2Ft@db.plant:6543/jobs?sslmode=require")
        #expect(place.host == "db.plant" && place.port == 6543 && place.database == "jobs")
        #expect(place.username == "reel@plant" && place.password == "s3cr/t" && place.tls == .require)
        #expect(!place.description.contains("s3cr"))
        #expect(place.description == "postgres://reel%40plant@db.plant:6543/jobs?sslmode=require")
        #expect(try PostgresLocation(url: "postgres://u@h/d").port == 5432)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "expected postgres://"),
        ("postgres://h/d", "names no user"),
        ("postgres://u@h", "names no database"),
        ("postgres://u@h/d?sslmode=maybe", "sslmode must be"),
        ("postgres://u@h/d?connect_timeout=3", "unknown URL parameter connect_timeout"),
    ])
    func aBadURLSaysWhatIsWrong(url: String, problem: String) {
        #expect(throws: PostgresLocationError.self) { try PostgresLocation(url: url) }
        do {
            _ = try PostgresLocation(url: url)
        } catch {
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() throws {
        let result = try load(
            """
            [database]
            url = "postgres://reel:hunter2@db/jobs"
            """
        )
        guard case .failure(let errors) = result else {
            Issue.record("a password in database.url was accepted")
            return
        }
        let text = errors.issues.map(\.description).joined(separator: "\n")
        #expect(text.contains("database.url") && text.contains("password_file"))
        #expect(!text.contains("hunter2"))
    }

    @Test func thePasswordComesFromItsFileOrTheEnvironment() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let secret = try dir.write("db-password", "from-file\n")
        chmod(secret, 0o600)
        let result = try load(
            """
            [database]
            url = "postgres://reel@db/jobs"
            password_file = "\(secret)"
            lease = "30s"
            """
        )
        let config = try result.get()
        #expect(config.database.lease == .seconds(30))
        #expect(try config.database.resolvedPostgres(environment: [:])?.password == "from-file")
        var noFile = config.database
        noFile.passwordFile = nil
        #expect(try noFile.resolvedPostgres(environment: ["PGPASSWORD": "from-env"])?.password == "from-env")
        #expect(try AgentConfig().database.resolvedPostgres(environment: ["PGPASSWORD": "x"]) == nil, "SQLite")

        chmod(secret, 0o644)
        guard
            case .failure(let errors) = try load(
                "[database]\nurl = \"postgres://reel@db/jobs\"\npassword_file = \"\(secret)\""
            )
        else {
            Issue.record("a password file readable by others was accepted")
            return
        }
        #expect(errors.issues.contains { $0.description.contains("chmod 600") })
    }

    /// Like every other path in agent.toml, a relative password file is found beside the file, wherever the agent
    /// was started from.
    @Test func aRelativePasswordFileIsFoundBesideTheConfiguration() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        _ = try dir.mkdir("secrets")
        chmod(try dir.write("secrets/db", "beside\n"), 0o600)
        let file = try dir.write(
            "agent.toml",
            "[database]\nurl = \"postgres://reel@db/jobs\"\npassword_file = \"secrets/db\""
        )
        let config = try ConfigLoader.load(path: file, mustExist: true, requireWatchFolders: false)
        #expect(config.database.passwordFile?.hasPrefix("/") == true)
        #expect(try config.database.resolvedPostgres(environment: [:])?.password == "beside")
    }

    @Test func theAgentsNameDefaultsToTheHostAndIsChecked() throws {
        let host = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
        #expect(AgentConfig().agent.name == host.trimmingCharacters(in: .whitespacesAndNewlines))
        let named = try load("[agent]\nname = \"line-3.encoder\"").get()
        #expect(named.agent.name == "line-3.encoder")
        guard case .failure(let errors) = try load("[agent]\nname = \"two words\"") else {
            Issue.record("a name with a space was accepted")
            return
        }
        #expect(errors.issues.contains { $0.description.contains("agent.name") })
    }
}
