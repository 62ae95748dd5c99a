import Foundation
import IngestCore
import TestSupport
import Testing

@Suite("S3 credentials from the environment or a private file")
struct CredentialSourceTests {
    @Test func environmentWins() throws {
        let credentials = try CredentialSource.resolve(
            environment: [
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "tok",
            ],
            credentialsFile: "/nonexistent"
        )
        #expect(credentials == SigV4Credentials(accessKeyID: "AKIAENV", secretAccessKey: "s3cr3t", sessionToken: "tok"))
        #expect(!String(describing: credentials).contains("s3cr3t"))
    }

    @Test func fileWithProfilesMustBePrivate() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let text = """
            [other]
            aws_access_key_id = AKIAOTHER
            aws_secret_access_key = nope

            [default]
            aws_access_key_id = AKIAFILE
            aws_secret_access_key = filesecret
            """
        let file = try dir.write("credentials", text, mode: 0o600)
        let credentials = try CredentialSource.resolve(environment: [:], credentialsFile: file)
        #expect(credentials.accessKeyID == "AKIAFILE")
        #expect(credentials.secretAccessKey == "filesecret")
        let other = try CredentialSource.resolve(environment: ["AWS_PROFILE": "other"], credentialsFile: file)
        #expect(other.accessKeyID == "AKIAOTHER")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let error = #expect(throws: CredentialsError.self) {
            try CredentialSource.resolve(environment: [:], credentialsFile: file)
        }
        #expect(error?.description.contains("chmod 600") == true)
        #expect(error?.description.contains("filesecret") == false)
    }

    /// The CDN's lookup (the agent's and retry-sweep's) used to be `try?`: a broken file read as "no credentials"
    /// and CloudFront went unsigned without a word. Only "nothing configured" is nil now.
    @Test func optionalCredentialsAreNilOnlyWhenNoneAreConfigured() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var storage = AgentConfig().storage
        #expect(try CredentialSource.ifConfigured(for: storage, environment: [:]) == nil)

        storage.credentialsFile = try dir.write("credentials", "[other]\naws_access_key_id = A\n", mode: 0o600)
        #expect(throws: CredentialsError.noProfile(path: storage.credentialsFile ?? "", profile: "default")) {
            try CredentialSource.ifConfigured(for: storage, environment: [:])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: storage.credentialsFile ?? "")
        let open = #expect(throws: CredentialsError.self) {
            try CredentialSource.ifConfigured(for: storage, environment: [:])
        }
        #expect(open?.description.contains("chmod 600") == true)
        #expect(throws: CredentialsError.missingSecret(source: "the environment (AWS_ACCESS_KEY_ID)")) {
            try CredentialSource.ifConfigured(for: AgentConfig().storage, environment: ["AWS_ACCESS_KEY_ID": "AKIA"])
        }
        let found = try CredentialSource.ifConfigured(
            for: storage,
            environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"]
        )
        #expect(found?.accessKeyID == "AKIAENV", "the environment first, as resolve does")
    }

    @Test func missingPiecesSayWhatToSet() {
        #expect(throws: CredentialsError.notFound) {
            try CredentialSource.resolve(environment: [:], credentialsFile: nil)
        }
        #expect(CredentialsError.notFound.description.contains("AWS_ACCESS_KEY_ID"))
        #expect(throws: CredentialsError.missingSecret(source: "the environment (AWS_ACCESS_KEY_ID)")) {
            try CredentialSource.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKIA"], credentialsFile: nil)
        }
        #expect(throws: CredentialsError.noProfile(path: "f", profile: "x")) {
            try CredentialSource.parse(
                "[default]\naws_access_key_id = A\naws_secret_access_key = B\n",
                profile: "x",
                path: "f"
            )
        }
    }
}
