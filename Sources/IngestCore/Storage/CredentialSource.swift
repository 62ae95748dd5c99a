import Foundation

/// Why S3 credentials could not be found. Messages name the variable or file to fix and never contain a secret.
public enum CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound
    case missingSecret(source: String)
    case unreadableFile(path: String, problem: String)
    case noProfile(path: String, profile: String)

    public var description: String {
        switch self {
        case .notFound:
            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or storage.credentials_file"
        case .missingSecret(let source):
            "\(source) gives an access key id but no secret access key"
        case .unreadableFile(let path, let problem):
            "cannot use the credentials file \(path): \(problem)"
        case .noProfile(let path, let profile):
            "\(path) has no [\(profile)] section with aws_access_key_id and aws_secret_access_key"
        }
    }
}

/// Finds S3 credentials the way the AWS tools do, minus the parts a daemon should not do (SSO, instance metadata):
/// the environment first (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then an AWS-style
/// credentials file, which must be readable by its owner only. Every part of the program looks them up here.
public enum CredentialSource {
    /// The credentials for `storage` (its `credentials_file`), for what cannot work without them: an S3 store,
    /// presigned URLs, `push`.
    public static func resolve(
        for storage: StorageSettings,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CredentialsError) -> SigV4Credentials {
        try resolve(environment: environment, credentialsFile: storage.credentialsFile)
    }

    /// The credentials for `storage` when any are configured, nil when none are: for the CDN, whose providers but
    /// CloudFront sign nothing. A credentials file that is broken, unreadable or readable by others, or a key id
    /// without its secret, is an error all the same: ignoring it would leave CloudFront unsigned with no reason.
    public static func ifConfigured(
        for storage: StorageSettings,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CredentialsError) -> SigV4Credentials? {
        do throws(CredentialsError) {
            return try resolve(for: storage, environment: environment)
        } catch .notFound {
            return nil
        }
    }

    public static func resolve(
        environment: [String: String],
        credentialsFile: String?
    ) throws(CredentialsError) -> SigV4Credentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw .missingSecret(source: "the environment (AWS_ACCESS_KEY_ID)")
            }
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
        }
        guard let path = credentialsFile else { throw .notFound }
        if let problem = ConfigLoader.privateFileProblem(path) {
            throw .unreadableFile(path: path, problem: problem)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, problem: "cannot read it")
        }
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return try parse(String(decoding: data, as: UTF8.self), profile: profile, path: path)
    }

    /// Parses the INI format of `~/.aws/credentials`; a file without any section is read as `[default]`.
    public static func parse(_ text: String, profile: String, path: String) throws(CredentialsError)
        -> SigV4Credentials
    {
        var section = "default"
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values[name] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = values["aws_access_key_id"], !key.isEmpty else {
            throw .noProfile(path: path, profile: profile)
        }
        guard let secret = values["aws_secret_access_key"], !secret.isEmpty else {
            throw .missingSecret(source: path)
        }
        let token = values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return SigV4Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
    }
}
