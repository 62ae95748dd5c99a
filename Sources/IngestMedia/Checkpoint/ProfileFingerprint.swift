import Crypto
import Foundation
import IngestCore

/// Identifies the settings a checkpoint was made with: every field of the profile and the versions of the
/// libraries that encode with it, hashed. A change to either makes kept segments untrustworthy companions for new
/// ones, so the transcode starts over.
enum ProfileFingerprint {
    /// Bumped when the media engine changes what it writes for the same profile.
    static let engineVersion = 2

    static func of(_ profile: Profile) -> String {
        let versions = LibAV.versions
        return hash([
            "engine \(engineVersion)",
            String(reflecting: profile),
            "\(versions.ffmpeg) \(versions.avcodec) \(versions.avformat) \(versions.swscale) \(versions.swresample)",
        ])
    }

    static func hash(_ parts: [String]) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "\n").utf8)).hex
    }
}
