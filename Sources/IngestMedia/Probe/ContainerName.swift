import IngestCore

/// Maps libav's demuxer to the container names of `limits.allowed_containers`. One demuxer serves several
/// containers, so the file's own header decides: the MP4 major brand, the Matroska DocType.
enum ContainerName {
    static func resolve(formatName: String, majorBrand: String?, header: [UInt8]) -> String {
        let first = formatName.split(separator: ",").first.map(String.init) ?? formatName
        switch first {
        case "mov":
            // QuickTime files carry the `qt  ` brand; everything else of the ISO family is MP4 to a user.
            return majorBrand?.hasPrefix("qt") == true ? "mov" : "mp4"
        case "matroska":
            return isWebMDocType(header) ? "webm" : "matroska"
        default:
            return first
        }
    }

    /// The demuxer that reads `container` (a name of `limits.allowed_containers`): the inverse of `resolve`.
    static func demuxer(for container: String) -> String {
        switch container {
        case "mp4", "mov": "mov"
        case "webm": "matroska"
        default: container
        }
    }

    /// The demuxers that read the allowed containers: the only ones a source may be opened with.
    static func demuxers(for containers: [String]) -> [String] {
        var seen = Set<String>()
        return containers.map(demuxer).filter { seen.insert($0).inserted }
    }

    /// The EBML header's DocType element (ID 0x4282, size 0x84) reads "webm" for WebM files.
    static func isWebMDocType(_ header: [UInt8]) -> Bool {
        let pattern: [UInt8] = [0x42, 0x82, 0x84] + Array("webm".utf8)
        guard header.count >= pattern.count else { return false }
        let limit = min(header.count, 128) - pattern.count
        guard limit >= 0 else { return false }
        return (0...limit).contains { Array(header[$0..<$0 + pattern.count]) == pattern }
    }
}

extension ProbeReport {
    /// Every open of a probed source after the probe uses the one demuxer the probe accepted.
    var sourceDemuxers: [String] { [ContainerName.demuxer(for: container)] }
}
