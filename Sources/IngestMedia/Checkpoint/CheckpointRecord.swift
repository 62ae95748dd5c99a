/// One line of the checkpoint journal (JSON). The first line is the header; then, in the order files were
/// completed, each track's init segment, each of its media segments, and the thumbnails of each position.
struct CheckpointRecord: Codable, Sendable, Equatable {
    struct Header: Codable, Sendable, Equatable {
        var version: Int
        var input: InputIdentity
        /// SHA-256 of the profile and of the libraries that encode with it.
        var profile: String
        /// What the outputs are cut into: rung ids, passthrough, frame rate, presentation delay, segment cuts.
        var layout: String
    }

    struct InitSegment: Codable, Sendable, Equatable {
        var track: String
        var file: String
        var bytes: Int64
        var sha256: String
    }

    struct Segment: Codable, Sendable, Equatable {
        var track: String
        /// From 0, in the order the track wrote them.
        var index: Int
        var segment: TrackIndex.Segment
    }

    var header: Header?
    var initSegment: InitSegment?
    var segment: Segment?
    /// One thumbnail position's files (and the poster with the first position).
    var thumbnails: [ThumbnailTaker.Written]?
    /// A track whose last segment is written: a resumed run has nothing left to do for it.
    var finished: String?

    static let version = 1
}
