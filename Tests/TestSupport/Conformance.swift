import Foundation

/// The published test data of `shared/conformance/`, read in place. It lives beside the repository
/// (`<repo>/../shared`); a checkout elsewhere (a scratch clone in /tmp) finds it through `REEL_INGEST_CONFORMANCE`,
/// then the workspace's `/work/shared`.
public enum Conformance {
    /// The path of `relative` (e.g. `dash-schema/DASH-MPD.xsd`) in the first place that has it; the
    /// repository-relative path when none does, so a failing test names where the data was expected.
    public static func path(_ relative: String) -> String {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let besideRepo = repo.deletingLastPathComponent().appendingPathComponent("shared/conformance").path
        var roots = [besideRepo]
        if let configured = ProcessInfo.processInfo.environment["REEL_INGEST_CONFORMANCE"] {
            roots.append(configured)
        }
        roots.append("/work/shared/conformance")
        let candidates = roots.map { $0 + "/" + relative }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}
