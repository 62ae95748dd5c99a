import Foundation

/// Where a PostgreSQL job store lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`
/// (`postgresql://` too). The password normally comes from elsewhere (a file or the environment) and never appears in
/// `description`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String?,
        database: String,
        tls: TLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a URL; the error says which part is wrong and never repeats a password.
    public init(url text: String) throws(PostgresLocationError) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme)
        else {
            throw PostgresLocationError("expected postgres://USER@HOST[:PORT]/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresLocationError("the URL names no host") }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresLocationError("the URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresLocationError("the URL names no database (postgres://USER@HOST/DATABASE)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw PostgresLocationError("sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw PostgresLocationError("unknown URL parameter \(item.name) (only sslmode is understood)")
            }
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: components.percentEncodedUser?.removingPercentEncoding ?? user,
            password: components.percentEncodedPassword?.removingPercentEncoding,
            database: database.removingPercentEncoding ?? database,
            tls: tls
        )
    }

    /// The URL without its password.
    public var description: String {
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        let mode = tls == .prefer ? "" : "?sslmode=\(tls.rawValue)"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostPart):\(port)/\(database)\(mode)"
    }
}

public struct PostgresLocationError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "invalid PostgreSQL URL: \(description)" }
}
