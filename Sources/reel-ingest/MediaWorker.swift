import Foundation
import IngestCore

/// `probe` and `transcode` run in the sibling `reel-ingest-media` binary: this executable must not link FFmpeg
/// (it would cost every admin command 25 ms of library loading), and a crashing decoder must not take a
/// supervisor down. The arguments are handed over unchanged, so the worker parses and documents them.
enum MediaWorker {
    static let commands: Set<String> = ["probe", "transcode"]

    /// The worker next to this executable.
    static var binary: String { SiblingExecutable.mediaWorker }

    /// Replaces this process with the worker when the first argument is a media command; returns otherwise.
    static func execIfMediaCommand(_ arguments: [String] = ["reel-ingest"] + FileSystemName.commandLineArguments()) {
        guard arguments.count > 1, commands.contains(arguments[1]) else { return }
        exec(arguments)
    }

    /// Never returns: execs the worker or exits 1 with the reason.
    static func exec(_ arguments: [String]) -> Never {
        let path = binary
        let argv = ["reel-ingest"] + arguments.dropFirst()
        // Each argument's own bytes: a file name that is not UTF-8 reaches the worker as the shell gave it.
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { $0.withFileSystemPath { strdup($0) } }
        cArgs.append(nil)
        execv(path, cArgs)
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(
            Data("reel-ingest: error: cannot start the media worker \(path): \(reason)\n".utf8)
        )
        exit(1)
    }
}
