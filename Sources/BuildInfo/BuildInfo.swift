/// This build's identity, compiled in by the VersionPlugin from `scripts/version.sh`.
public enum BuildInfo {
    /// For example `0.1.0`, or `0.1.0~git152.8661cba` between releases; the .deb carries the same string.
    public static let version = generatedVersion
    /// The full git commit, or `unknown` when built outside git.
    public static let commit = generatedCommit
}
