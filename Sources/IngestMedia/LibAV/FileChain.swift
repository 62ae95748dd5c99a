import Foundation

/// Reads several files as one stream (an init segment followed by its media segments), for libav's read
/// callback. Sequential only: fragmented MP4 needs no seeking.
final class FileChain {
    private var paths: [String]
    private var handle: FileHandle?

    init(paths: [String]) {
        self.paths = paths
    }

    /// Fills `buffer`; 0 at the end of the last file, negative errno on failure.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        while true {
            if handle == nil {
                guard !paths.isEmpty else { return 0 }
                let path = paths.removeFirst()
                guard let next = FileHandle(forReadingAtPath: path) else { return -Int(ENOENT) }
                handle = next
            }
            guard let current = handle else { return 0 }
            let data: Data
            do {
                data = try current.read(upToCount: count) ?? Data()
            } catch {
                return -Int(EIO)
            }
            if data.isEmpty {
                try? current.close()
                handle = nil
                continue
            }
            data.copyBytes(to: buffer, count: data.count)
            return data.count
        }
    }
}
