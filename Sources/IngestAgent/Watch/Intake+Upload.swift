import Foundation
import IngestAPI
import IngestCore
import IngestStore
import IngestWatcher

#if canImport(Glibc)
    import Glibc
#endif

/// Uploads over HTTP enter like dropped files: the complete file is linked into its watch folder under a free
/// name (never overwriting, never visible half-written), recorded at once (no settle time: every byte is known to
/// be there), then checked by the same steps as any file (hash, duplicates, probe).
extension Intake {
    struct UploadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Moves and records `upload`; safe to call again after a crash at any point.
    func handOff(_ upload: HTTPUploadRecord, config: AgentConfig) async throws -> HTTPUploadRecord {
        guard let watch = config.watches.first(where: { $0.name == upload.watchName }) else {
            throw UploadError(description: "watch \(upload.watchName) is no longer configured")
        }
        let id = upload.id
        let (source, filename, root) = (upload.dataPath(in: config.uploadDirectory), upload.filename, watch.path)
        let (finalPath, staged) = try await runBlocking { () throws -> (String, String) in
            try Self.linkIn(source, named: filename, into: root, uploadID: id)
        }
        KillPoint.uploadHandOff.reached()
        guard let observation = Self.lstat(finalPath) else {
            throw UploadError(description: "\(finalPath) vanished right after it was moved in")
        }
        let (job, _, recorded) = try await database.recordUploadedFile(
            observation,
            upload: upload.id,
            watch: watch,
            metadata: upload.metadata,
            policy: config.retry
        )
        // Recorded: the upload's own names can go (the final one is the watch folder's from now on).
        await runBlocking {
            unlink(source)
            if staged != source { unlink(staged) }
        }
        logger.info(
            recorded ? "upload recorded" : "upload already recorded by the watcher",
            metadata: ["job": "\(job.id ?? 0)", "path": "\(finalPath)", "upload": "\(upload.id)"]
        )
        return try await database.httpUpload(id: upload.id) ?? upload
    }

    /// Runs intake's checks on the upload's job unless they already ran (or the watcher recorded it and checks it).
    func checkUpload(_ upload: HTTPUploadRecord, config: AgentConfig) async {
        do {
            guard let jobID = upload.jobId, let job = try await database.job(id: jobID), job.state == .stable,
                job.checkedAt == nil, let sourceID = job.sourceFileId,
                let source = try await database.sourceFile(id: sourceID),
                let watch = config.watches.first(where: { $0.name == upload.watchName })
            else { return }
            let file = FileObservation(
                path: watch.localPath(source.path),
                device: source.device,
                inode: source.inode,
                size: source.size,
                mtimeNs: source.mtimeNs
            )
            let recorded = Recorded(
                id: jobID,
                sourceId: sourceID,
                file: file,
                sidecarProblem: nil,
                watch: watch,
                config: config,
                uploaded: true
            )
            // A file changed under the agent's feet is the watcher's business from here (it sees the write).
            _ = await check(recorded)
        } catch {
            logger.error("cannot check uploaded file", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
        }
    }

    /// Links the complete file into `root` as `name`, or `name (2)`, ... when taken: `link` never replaces a file and
    /// the name appears with every byte already there. A name that already is this very file (an earlier attempt
    /// stopped before recording it) is taken again. Across filesystems the file is first copied to a hidden name
    /// (ignored by the watcher) and fsynced. Returns the final path and the staged copy to remove once recorded.
    static func linkIn(_ source: String, named name: String, into root: String, uploadID: String) throws -> (
        path: String, staged: String
    ) {
        var info = stat()
        var rootInfo = stat()
        guard stat(source, &info) == 0, stat(root, &rootInfo) == 0 else {
            throw UploadError(description: "cannot stat \(source) or \(root): \(String(cString: strerror(errno)))")
        }
        var staged = source
        if info.st_dev != rootInfo.st_dev {
            staged = root + "/.reel-ingest-upload-" + uploadID
            var stagedInfo = stat()
            if stat(staged, &stagedInfo) != 0 || stagedInfo.st_size != info.st_size {
                unlink(staged)
                try FileManager.default.copyItem(atPath: source, toPath: staged)
                let fd = open(staged, O_RDONLY)
                guard fd >= 0, fsync(fd) == 0 else {
                    if fd >= 0 { close(fd) }
                    throw UploadError(description: "cannot fsync \(staged): \(String(cString: strerror(errno)))")
                }
                close(fd)
            }
            guard stat(staged, &info) == 0 else {
                throw UploadError(description: "cannot stat \(staged): \(String(cString: strerror(errno)))")
            }
        }
        // Private while it arrived; readable like any file saved into the share once it is there.
        chmod(staged, 0o644)
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        for attempt in 1...1000 {
            let candidate = attempt == 1 ? name : "\(stem) (\(attempt)).\(ext)"
            let target = root + "/" + candidate
            if link(staged, target) == 0 {
                let dir = open(root, O_RDONLY | O_DIRECTORY)
                if dir >= 0 {
                    fsync(dir)
                    close(dir)
                }
                return (target, staged)
            }
            guard errno == EEXIST else {
                throw UploadError(
                    description: "cannot link the upload into \(root): \(String(cString: strerror(errno)))"
                )
            }
            var existing = stat()
            if Glibc.lstat(target, &existing) == 0, existing.st_dev == info.st_dev, existing.st_ino == info.st_ino {
                return (target, staged)
            }
        }
        throw UploadError(description: "no free name for \(name) in \(root)")
    }
}
