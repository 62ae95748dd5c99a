import Foundation

/// Reads, straight from the boxes of one media segment, when its first sample is shown by the rules of ISO/IEC
/// 14496-12: the fragment's decode time (tfdt) plus the first sample's composition offset (trun, signed in
/// version 1). A second opinion beside ffprobe, whose demuxer moves tracks with negative offsets later.
enum FragmentTimes {
    /// The first sample's composition time, in the track's timescale; nil when the boxes are not found.
    static func firstComposition(_ path: String) throws -> Int64? {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var decode: Int64?
        var offset: Int64 = 0
        walk(data, 0, data.count) { type, start, end in
            if type == "tfdt" {
                let version = data[start]
                decode = version == 1 ? read(data, start + 4, 8) : read(data, start + 4, 4)
            } else if type == "trun" {
                let version = data[start]
                let flags = Int(read(data, start + 1, 3))
                var cursor = start + 8
                if flags & 0x1 != 0 { cursor += 4 }
                if flags & 0x4 != 0 { cursor += 4 }
                if flags & 0x100 != 0 { cursor += 4 }
                if flags & 0x200 != 0 { cursor += 4 }
                if flags & 0x400 != 0 { cursor += 4 }
                if flags & 0x800 != 0, cursor + 4 <= end {
                    let raw = read(data, cursor, 4)
                    offset = version == 1 ? Int64(Int32(truncatingIfNeeded: raw)) : raw
                }
            }
        }
        return decode.map { $0 + offset }
    }

    private static func walk(_ data: [UInt8], _ start: Int, _ end: Int, _ visit: (String, Int, Int) -> Void) {
        var cursor = start
        while cursor + 8 <= end {
            let size = Int(read(data, cursor, 4))
            guard size >= 8, cursor + size <= end else { return }
            let type = String(decoding: data[(cursor + 4)..<(cursor + 8)], as: UTF8.self)
            if ["moof", "traf"].contains(type) {
                walk(data, cursor + 8, cursor + size, visit)
            } else {
                visit(type, cursor + 8, cursor + size)
            }
            cursor += size
        }
    }

    private static func read(_ data: [UInt8], _ at: Int, _ count: Int) -> Int64 {
        (0..<count).reduce(Int64(0)) { $0 << 8 | Int64(data[at + $1]) }
    }
}
