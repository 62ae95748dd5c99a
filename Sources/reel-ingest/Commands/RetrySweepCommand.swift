import ArgumentParser
import Foundation
import IngestAgent
import IngestCore
import IngestPublish

struct RetrySweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-sweep",
        abstract: "Re-queue failed jobs whose retry time has come, clean up, retry failed CDN requests.",
        discussion: """
            Removes scratch folders of jobs that no longer need them and tries failed CDN purges and pre-warms \
            again. With an s3:// store it also aborts multipart uploads the job database marks abandoned or that \
            made no progress for storage.abandoned_upload_ttl, and uploads under the store's prefix that the \
            database does not know and that were started more than that TTL ago. Prints one line per action \
            (--json: one object). Safe while the agent runs. Run it from cron or the systemd timer. Exit 1 only \
            when the sweep itself failed.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let config = try global.loadConfig(requireWatchFolders: false)
        var setupErrors: [String] = []
        var report = try await global.withDatabase(config) { database in
            var janitor: MultipartJanitor?
            if case .s3(let bucket, let prefix)? = StoreLocation(config.storage.url) {
                do {
                    let credentials = try CredentialSource.resolve(for: config.storage)
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
            var cdn: CDNRetry?
            if config.cdn.kind != "none" {
                do {
                    cdn = try CDNRetry(database: database, settings: config.storage, cdn: config.cdn)
                } catch {
                    setupErrors.append("CDN retries skipped: \(error)")
                }
            }
            let sweep = RetrySweep(
                database: database,
                policy: config.retry,
                janitor: janitor,
                scratchDir: config.agent.scratchDir,
                cdn: cdn,
                uploads: UploadSweep(database: database, config: config)
            )
            return try await sweep.run()
        }
        report.errors = setupErrors + report.errors
        if output.json { return try JSONOutput.print(report) }
        if let skipped = report.skipped { return print(skipped) }
        for id in report.requeued { print("re-queued job \(id)") }
        for id in report.removedScratch { print("removed the scratch folder of job \(id)") }
        for retry in report.cdnRetries {
            let result = retry.error.map { "failed again: \($0)" } ?? "ok"
            print("retried CDN \(retry.action) \(retry.url) for job \(retry.job): \(result)")
        }
        for action in report.abortedUploads {
            if let error = action.error {
                print("could not abort \(action.key) (upload \(action.uploadId), \(action.reason)): \(error)")
            } else {
                print("aborted \(action.key) (upload \(action.uploadId), \(action.reason))")
            }
        }
        for upload in report.expiredUploads {
            print(
                "removed upload \(upload.uploadId) (\(upload.filename), \(upload.receivedBytes) of \(upload.totalSize) "
                    + "bytes, \(upload.reason))"
            )
        }
        for error in report.errors { print("skipped \(error)") }
        let actions =
            report.requeued.count + report.removedScratch.count + report.cdnRetries.count
            + report.abortedUploads.count + report.expiredUploads.count
        if actions == 0 && report.errors.isEmpty { print("nothing to do") }
    }
}
