import Foundation

/// The executables installed together (`reel-ingest`, `reel-ingest-media`) find each other in the folder of the
/// running binary, read through /proc/self/exe: neither $PATH nor the symlink a user started it by can pick another
/// version.
public enum SiblingExecutable {
    /// `name` in the running binary's folder (whether it exists or not).
    public static func path(named name: String) -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// The media worker, the only binary that links FFmpeg: `reel-ingest probe|transcode` exec it, and the agent
    /// runs it for each probe and transcode.
    public static var mediaWorker: String { path(named: "reel-ingest-media") }
}
