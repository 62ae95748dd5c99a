import Foundation

/// The checkpoint journal of one transcode, `DIR/.checkpoint.jsonl`: a header naming the input, the profile and
/// the output layout, then one line per completed file with its size and SHA-256, each line fsynced after the
/// file it names. A file is recorded before it is announced, so every file anyone was told about is kept by a
/// resumed run, byte for byte.
final class Checkpoint: @unchecked Sendable {
    static let fileName = ".checkpoint.jsonl"

    /// What an interrupted run left that can be continued.
    struct Kept: Sendable {
        var tracks: [String: KeptTrack] = [:]
        var thumbnails: [ThumbnailTaker.Written] = []
        /// Tracks whose last segment is kept.
        var finished: Set<String> = []
        /// Every kept file, in the order it was completed.
        var files: [String] = []

        var segmentCount: Int { tracks.values.reduce(0) { $0 + $1.segments.count } }
    }

    enum Loaded {
        case none
        case kept(Kept)
        case unusable(String)
    }

    private let lock = NSLock()
    private let fd: Int32
    private let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
    }

    /// Reads the journal in `directory`: what it keeps when its header equals `header` and every file it names is
    /// there with the recorded size and SHA-256; otherwise why it cannot be used. A torn last line (a kill while
    /// it was written) is left out.
    static func load(directory: String, header: CheckpointRecord.Header) -> Loaded {
        let path = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else { return .none }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if data.last != UInt8(ascii: "\n") || lines.last?.isEmpty == true { lines.removeLast() }
        let decoder = JSONDecoder()
        guard let first = lines.first, let found = try? decoder.decode(CheckpointRecord.self, from: first).header
        else { return .unusable("the journal has no header") }
        if let difference = difference(found, header) { return .unusable(difference) }
        var kept = Kept()
        for line in lines.dropFirst() {
            guard let record = try? decoder.decode(CheckpointRecord.self, from: line) else {
                return .unusable("the journal is damaged")
            }
            if let initSegment = record.initSegment {
                let file = WrittenFile(bytes: initSegment.bytes, sha256: initSegment.sha256)
                kept.tracks[initSegment.track] = KeptTrack(initFile: file, segments: [])
                kept.files.append(initSegment.file)
            } else if let entry = record.segment {
                guard var track = kept.tracks[entry.track], entry.index == track.segments.count else {
                    return .unusable("the journal lists \(entry.segment.file) out of order")
                }
                track.segments.append(entry.segment)
                kept.tracks[entry.track] = track
                kept.files.append(entry.segment.file)
            } else if let thumbnails = record.thumbnails {
                kept.thumbnails += thumbnails
                kept.files += thumbnails.map(\.path)
            } else if let track = record.finished {
                kept.finished.insert(track)
            }
        }
        if let changed = firstChangedFile(kept, in: directory) {
            return .unusable("\(changed) is not as recorded")
        }
        return .kept(kept)
    }

    private static func difference(_ found: CheckpointRecord.Header, _ wanted: CheckpointRecord.Header) -> String? {
        if found.version != wanted.version { return "it is of format version \(found.version)" }
        if found.input != wanted.input { return "it was made from another input" }
        if found.profile != wanted.profile { return "it was made with another profile" }
        if found.layout != wanted.layout { return "it was made for another layout (\(found.layout))" }
        return nil
    }

    /// The first recorded file whose size or SHA-256 is not what the journal says (sizes first: cheap).
    private static func firstChangedFile(_ kept: Kept, in directory: String) -> String? {
        var expected: [String: WrittenFile] = [:]
        for (id, track) in kept.tracks {
            expected[id + "/init.mp4"] = track.initFile
            for segment in track.segments {
                expected[segment.file] = WrittenFile(bytes: segment.bytes, sha256: segment.sha256)
            }
        }
        for thumbnail in kept.thumbnails {
            expected[thumbnail.path] = WrittenFile(bytes: thumbnail.bytes, sha256: thumbnail.sha256)
        }
        let ordered = kept.files.filter { expected[$0] != nil }
        for file in ordered {
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + file))?[.size]
            if (size as? NSNumber)?.int64Value != expected[file]?.bytes { return file }
        }
        for file in ordered where (try? FileDigest.digest(directory + "/" + file)) != expected[file] {
            return file
        }
        return nil
    }

    /// Starts a new journal with `header`, replacing any.
    static func create(directory: String, header: CheckpointRecord.Header) throws -> Checkpoint {
        let path = directory + "/" + fileName
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TranscodeFailure("cannot create \(path): \(String(cString: strerror(errno)))", errno: errno)
        }
        let checkpoint = Checkpoint(fd: fd, path: path)
        try checkpoint.record(CheckpointRecord(header: header))
        try DurableFile.syncDirectory(of: path)
        return checkpoint
    }

    /// Continues the journal in `directory` after its last complete line.
    static func reopen(directory: String) throws -> Checkpoint {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            throw TranscodeFailure("cannot open \(path): \(String(cString: strerror(errno)))", errno: errno)
        }
        let checkpoint = Checkpoint(fd: fd, path: path)
        // Cut a torn last line so the next record starts on a line of its own.
        let data = FileManager.default.contents(atPath: path) ?? Data()
        let complete = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        if complete < data.count, ftruncate(fd, off_t(complete)) != 0 {
            throw TranscodeFailure("cannot repair \(path): \(String(cString: strerror(errno)))", errno: errno)
        }
        return checkpoint
    }

    /// Removes the journal of `directory`.
    static func remove(directory: String) {
        try? FileManager.default.removeItem(atPath: directory + "/" + fileName)
    }

    /// Appends one line and syncs it.
    func record(_ record: CheckpointRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        try lock.withLock {
            let failure: Int32 = line.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count, let base = raw.baseAddress {
                    let n = write(fd, base + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += n
                }
                return fsync(fd) == 0 ? 0 : errno
            }
            guard failure == 0 else {
                throw TranscodeFailure("cannot write \(path): \(String(cString: strerror(failure)))", errno: failure)
            }
        }
    }
}
