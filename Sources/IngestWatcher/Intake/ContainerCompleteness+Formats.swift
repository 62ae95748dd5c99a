import IngestCore

typealias Verdict = ContainerCompleteness.Verdict

/// How far a structure runs past the end of the file, and the two ends in one unit.
private func ends(_ what: String, at end: Int64, fileSize: Int64) -> Verdict {
    let missing = end - fileSize
    let short = missing == 1 ? "1 byte" : Units.formatBytesAlike([missing])[0]
    let sizes = Units.formatBytesAlike([fileSize, end])
    let of = sizes.map { $0.split(separator: " ")[0] }
    let unit = sizes[1].split(separator: " ").last ?? ""
    return .incomplete("\(what) runs \(short) past the end of the file (\(of[0]) of \(of[1]) \(unit))")
}

/// MP4, MOV and fragmented MP4 (ISO base media): top-level boxes, each a 32-bit size (or a 64-bit one, or 0 for
/// "to the end of the file") and a type. Whole when the boxes end exactly at the end of the file and the movie box
/// (`moov`, the index a recorder writes when it stops) is there; a fragmented file paused between two fragments
/// cannot be told from a finished one.
enum ISOBoxes {
    static let firstBoxes: Set<String> = ["ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pnot"]

    static func startsLikeOne(_ head: [UInt8]) -> Bool { firstBoxes.contains(fourCC(head, 4)) }

    static func check(_ bytes: some ByteSource) -> Verdict {
        var offset: Int64 = 0
        var sawMovie = false
        var boxes = 0
        while offset < bytes.size {
            let header = bytes.read(at: offset, count: 16)
            guard header.count >= 8 else { return ends("a box header", at: offset + 8, fileSize: bytes.size) }
            let type = fourCC(header, 4)
            var size = Int64(header.bigEndian(0, 4))
            if size == 1 {
                guard header.count >= 16 else { return ends("a box header", at: offset + 16, fileSize: bytes.size) }
                size = Int64(clamping: header.bigEndian(8, 8))
            } else if size == 0 {
                // Written with its size left for later: the recorder is still at it unless the movie box came first.
                guard sawMovie else { return .incomplete("box '\(type)' has no size yet and there is no 'moov' box") }
                size = bytes.size - offset
            }
            guard size >= 8 else { return .complete }  // not a box structure after all: the probe judges it
            if type == "moov" { sawMovie = true }
            guard size <= bytes.size - offset else {
                // A 64-bit size can be anything: where it ends may not fit in an Int64.
                let (end, overflow) = offset.addingReportingOverflow(size)
                return ends("box '\(type)'", at: overflow ? .max : end, fileSize: bytes.size)
            }
            offset += size
            boxes += 1
            if boxes > 1_000_000 { return .complete }
        }
        return sawMovie ? .complete : .incomplete("no 'moov' box yet (the index a recorder writes when it stops)")
    }

    static func fourCC(_ bytes: [UInt8], _ start: Int) -> String {
        String(bytes[start..<start + 4].map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "?" })
    }
}

/// Matroska and WebM: an EBML header, then a segment whose size a writer fills in when it stops (until then
/// "unknown"). A segment of unknown size is whole only if its elements end at the end of the file and its index
/// (Cues, written last) is there.
enum Matroska {
    static let segment: UInt64 = 0x1853_8067
    static let cues: UInt64 = 0x1C53_BB6B

    enum Element {
        case header(id: UInt64, dataStart: Int64, size: Int64?)
        /// The file ends inside the header.
        case cut
        /// Not an EBML element: the probe judges the file.
        case invalid
    }

    static func check(_ bytes: some ByteSource) -> Verdict {
        guard case .header(_, let headerData, let headerSize?) = element(bytes, at: 0) else { return .complete }
        let segmentStart = headerData + headerSize
        switch element(bytes, at: segmentStart) {
        case .cut: return ends("the segment header", at: segmentStart + 12, fileSize: bytes.size)
        case .invalid: return .complete
        case .header(let id, _, _) where id != segment: return .complete
        case .header(_, let dataStart, let size?):
            return dataStart + size > bytes.size
                ? ends("the segment", at: dataStart + size, fileSize: bytes.size)
                : .complete
        case .header(_, let dataStart, nil):
            var position = dataStart
            var sawCues = false
            var elements = 0
            while position < bytes.size {
                switch element(bytes, at: position) {
                case .cut: return ends("an element header", at: position + 12, fileSize: bytes.size)
                case .invalid: return .complete
                case .header(_, _, nil):
                    return .incomplete("its segment and an element in it have no size yet")
                case .header(let id, let data, let size?):
                    if id == cues { sawCues = true }
                    guard data + size <= bytes.size else {
                        return ends("an element", at: data + size, fileSize: bytes.size)
                    }
                    position = data + size
                }
                elements += 1
                if elements > 1_000_000 { return .complete }
            }
            return sawCues ? .complete : .incomplete("its segment has no size and no index (Cues) yet")
        }
    }

    /// The element whose header starts at `offset`: its ID (marker bit kept), where its data starts, its size (nil
    /// for "unknown").
    static func element(_ bytes: some ByteSource, at offset: Int64) -> Element {
        let raw = bytes.read(at: offset, count: 12)
        guard let first = raw.first else { return .cut }
        let idLength = first.leadingZeroBitCount + 1
        guard idLength <= 4 else { return .invalid }
        guard raw.count > idLength else { return .cut }
        let id = raw.bigEndian(0, idLength)
        let sizeLength = raw[idLength].leadingZeroBitCount + 1
        guard sizeLength <= 8 else { return .invalid }
        guard raw.count >= idLength + sizeLength else { return .cut }
        let valueBits = 7 * sizeLength
        let value = raw.bigEndian(idLength, sizeLength) & ((1 << valueBits) - 1)
        let dataStart = offset + Int64(idLength + sizeLength)
        if value == (1 << valueBits) - 1 { return .header(id: id, dataStart: dataStart, size: nil) }
        return .header(id: id, dataStart: dataStart, size: Int64(clamping: value))
    }
}

/// AVI: RIFF chunks (`RIFF`/`AVI `, then `AVIX` for files past 1 GiB), each with a little-endian size a writer
/// fills in when the chunk closes.
enum RIFF {
    static func check(_ bytes: some ByteSource) -> Verdict {
        var offset: Int64 = 0
        var chunks = 0
        while offset < bytes.size {
            let header = bytes.read(at: offset, count: 8)
            guard header.count == 8 else { return ends("a chunk header", at: offset + 8, fileSize: bytes.size) }
            let size = Int64(header[4..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let type = ISOBoxes.fourCC(header, 0)
            // Writers put 0 or 0xFFFFFFFF there until the chunk closes.
            if type == "RIFF", size == 0 || size == 0xFFFF_FFFF {
                return .incomplete("its RIFF size is not written yet")
            }
            let end = offset + 8 + size + (size & 1)
            // The last chunk may leave out its padding byte.
            guard offset + 8 + size <= bytes.size else { return ends("chunk '\(type)'", at: end, fileSize: bytes.size) }
            offset = end
            chunks += 1
            if chunks > 1_000_000 { return .complete }
        }
        return .complete
    }
}

/// MPEG transport streams: 188-byte packets (192 in M2TS, a 4-byte time code first), each starting with 0x47.
/// Whole when the file ends on a packet boundary; a stream paused exactly between two packets cannot be told from
/// a finished one.
enum TransportStream {
    static func packetSize(_ bytes: some ByteSource) -> Int64? {
        for (size, sync) in [(Int64(188), Int64(0)), (192, 4)] {
            let first = bytes.read(at: sync, count: 1)
            let second = bytes.read(at: sync + size, count: 1)
            if first == [0x47], second == [0x47] { return size }
        }
        return nil
    }

    static func check(_ bytes: some ByteSource, packet: Int64) -> Verdict {
        let partial = bytes.size % packet
        if partial != 0 {
            return .incomplete("it ends inside a packet (\(partial) of its \(packet) bytes)")
        }
        let sync: Int64 = packet == 192 ? 4 : 0
        guard bytes.read(at: bytes.size - packet + sync, count: 1) == [0x47] else {
            return .incomplete("its last packet does not start with the sync byte")
        }
        return .complete
    }
}
