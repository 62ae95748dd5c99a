import Foundation
import IngestCore
import IngestPublish
import IngestStore

/// Builds the object store `storage.url` names, for the publisher and the CLI.
public enum StoreFactory {
    /// Why a store could not be built; the message says what to fix.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `file:///dir` needs nothing else; `s3://bucket/prefix` needs credentials (environment or
    /// `storage.credentials_file`) and journals multipart uploads in `database`.
    public static func make(
        _ settings: StorageSettings,
        database: any JobStore,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any ObjectStore {
        switch StoreLocation(settings.url) {
        case .file(let directory)?:
            return FileStore(directory: directory)
        case .s3(let bucket, let prefix)?:
            let credentials: SigV4Credentials
            do {
                credentials = try CredentialSource.resolve(for: settings, environment: environment)
            } catch {
                throw Failure(description: error.description)
            }
            return S3Store(
                client: try S3Client(bucket: bucket, credentials: credentials, options: S3Client.Options(settings)),
                prefix: prefix,
                journal: DatabaseUploadJournal(database: database),
                partSize: settings.partSize,
                multipartThreshold: settings.multipartThreshold,
                concurrency: settings.concurrency
            )
        case nil:
            throw Failure(description: "storage.url \(settings.url) is neither file:///dir nor s3://bucket/prefix")
        }
    }
}
