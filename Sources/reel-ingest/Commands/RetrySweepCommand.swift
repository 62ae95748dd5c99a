import ArgumentParser
import Foundation
import IngestAgent
import IngestCore
import IngestPublish

struct RetrySweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-sweep",
        abstract: "Re-queue failed jobs whose retry time has come and abort abandoned multipart uploads.",
        discussion: """
            With an s3:// store it also aborts multipart uploads the job database marks abandoned or that made no
            progress for storage.abandoned_upload_ttl, and uploads under the store's prefix that the database does
            not know and that were started more than that TTL ago. Run it from cron or the systemd timer.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let config = try global.loadConfig(requireWatchFolders: false)
        let database = try global.openDatabase(config)
        var setupErrors: [String] = []
        var janitor: MultipartJanitor?
        if case .s3(let bucket, let prefix)? = StoreLocation(config.storage.url) {
            do {
                let credentials = try CredentialSource.resolve(
                    environment: ProcessInfo.processInfo.environment,
                    credentialsFile: config.storage.credentialsFile
                )
                let client = try S3Client(
                    bucket: bucket,
                    credentials: credentials,
                    options: S3Client.Options(config.storage)
                )
                janitor = MultipartJanitor(
                    database: database,
                    client: client,
                    prefix: prefix,
                    ttl: config.storage.abandonedUploadTTL
                )
            } catch {
                setupErrors.append("multipart cleanup skipped: \(error)")
            }
        }
        let uploads = UploadSweep(database: database, config: config)
        let sweep = RetrySweep(database: database, policy: config.retry, janitor: janitor, uploads: uploads)
        var report = try await sweep.run()
        report.errors = setupErrors + report.errors
        if output.json { return try JSONOutput.print(report) }
        let ids = report.requeued.map(String.init).joined(separator: ", ")
        print("re-queued \(report.requeued.count) failed job(s)" + (ids.isEmpty ? "" : ": \(ids)"))
        if janitor != nil {
            let aborted = report.abortedUploads.filter { $0.error == nil }
            print("aborted \(aborted.count) multipart upload(s)")
            for action in report.abortedUploads {
                if let error = action.error {
                    print("could not abort \(action.key) (upload \(action.uploadId), \(action.reason)): \(error)")
                } else {
                    print("aborted \(action.key) (upload \(action.uploadId), \(action.reason))")
                }
            }
        }
        for upload in report.expiredUploads {
            print(
                "removed upload \(upload.uploadId) (\(upload.filename), \(upload.receivedBytes) of \(upload.totalSize) "
                    + "bytes, \(upload.reason))"
            )
        }
        for error in report.errors { print("skipped \(error)") }
    }
}
