internal import CInotifyTools
import Foundation
import IngestCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process's libinotifytools instance. The library keeps one global inotify descriptor and watch
/// table, so every call is serialised here and only one reader thread may call `nextEvent`.
public final class InotifyTools: Sendable {
    public static let shared = InotifyTools()

    private let state = Mutex<Bool>(false)
    /// Callers waiting for `state`. The reader holds the lock while it blocks in `nextEvent` (the library
    /// updates its watch table while reading) and re-takes it at once, so it steps aside while this is non-zero.
    private let waiting = Atomic<Int>(0)

    /// Every call but the event read goes through here.
    private func locked<T: Sendable>(_ body: (inout Bool) -> T) -> T {
        waiting.add(1, ordering: .acquiringAndReleasing)
        defer { waiting.subtract(1, ordering: .acquiringAndReleasing) }
        return state.withLock { body(&$0) }
    }

    private init() {}

    /// Initialises the library once. Throws `Errno` (e.g. EMFILE when `max_user_instances` is used up).
    public func initialize() throws(Errno) {
        let error: Int32? = locked { initialized in
            if initialized { return nil }
            if inotifytools_initialize() == 0 { return inotifytools_error() }
            initialized = true
            return nil
        }
        if let error { throw Errno(code: error, operation: "inotify initialise") }
    }

    /// Adds a watch on `path` (and, when `recursive`, every directory below it).
    /// ENOSPC here means `fs.inotify.max_user_watches` is exhausted.
    /// Directories in `excluding` (absolute paths) and everything below them are left unwatched.
    public func watch(
        _ path: String,
        recursive: Bool,
        excluding: [String] = [],
        events: InotifyEvent.Mask = .standard
    ) throws(Errno) {
        let mask = Int32(bitPattern: events.rawValue)
        let error: Int32? = locked { _ in
            guard recursive else {
                return path.withFileSystemPath { inotifytools_watch_file($0, mask) } == 0 ? inotifytools_error() : nil
            }
            // The library wants a NULL-terminated array of C strings.
            let strings = excluding.map { $0.withFileSystemPath { strdup($0) } }
            defer { strings.forEach { free($0) } }
            var list: [UnsafePointer<CChar>?] = strings.map { $0.map { UnsafePointer($0) } }
            list.append(nil)
            let ok = list.withUnsafeMutableBufferPointer { buffer in
                path.withFileSystemPath { inotifytools_watch_recursively_with_exclude($0, mask, buffer.baseAddress) }
            }
            return ok == 0 ? inotifytools_error() : nil
        }
        if let error { throw Errno(code: error, operation: "watch \(path)") }
    }

    /// Removes the watch on `path` (its path as watched, without trailing slash). Returns false if none.
    @discardableResult
    public func unwatch(_ path: String) -> Bool {
        locked { _ in
            (path.hasSuffix("/") ? path : path + "/").withFileSystemPath { inotifytools_remove_watch_by_filename($0) }
                != 0
                || path.withFileSystemPath { inotifytools_remove_watch_by_filename($0) } != 0
        }
    }

    /// Renames every watch at or below `old` to lie below `new` (a watched directory was renamed: the kernel
    /// watches follow it, the library's names must too).
    public func renameWatches(from old: String, to new: String) {
        let from = old.hasSuffix("/") ? old : old + "/"
        let to = new.hasSuffix("/") ? new : new + "/"
        locked { _ in
            from.withFileSystemPath { from in to.withFileSystemPath { inotifytools_replace_filename(from, $0) } }
        }
    }

    /// Removes the watches on `path` and every directory below it that still exists there.
    public func unwatchTree(_ path: String) {
        var pending = [path]
        while let dir = pending.popLast() {
            unwatch(dir)
            guard let handle = dir.withFileSystemPath({ opendir($0) }) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                guard entry.pointee.d_type == DT_DIR else { continue }
                let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) {
                        String(fileSystemName: $0)
                    }
                }
                if name != "." && name != ".." { pending.append(dir + "/" + name) }
            }
        }
    }

    /// Blocks up to `timeout` seconds (0: poll, negative: forever) for the next event. nil on timeout.
    /// Must be called from a dedicated thread, never from Swift's cooperative pool.
    public func nextEvent(timeout: Int) throws(Errno) -> InotifyEvent? {
        while waiting.load(ordering: .acquiring) > 0 { sched_yield() }
        // Read, copy out and resolve the directory under the lock: libinotifytools' global watch table is not
        // thread-safe, and watch()/unwatch() run on other threads.
        let result: Result<InotifyEvent?, Errno> = state.withLock { _ in
            guard let event = inotifytools_next_event(timeout) else {
                let error = inotifytools_error()
                if error != 0 && error != EINTR {
                    return .failure(Errno(code: error, operation: "read inotify events"))
                }
                return .success(nil)
            }
            let directory = inotifytools_filename_from_wd(event.pointee.wd).map { String(fileSystemName: $0) }
            var name = ""
            if event.pointee.len > 0 {
                // `name` is a flexible array member right after the fixed header; Swift does not import it.
                let bytes = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
                    .assumingMemoryBound(to: CChar.self)
                name = String(fileSystemName: bytes)
            }
            let mask = InotifyEvent.Mask(rawValue: event.pointee.mask)
            return .success(
                InotifyEvent(mask: mask, cookie: event.pointee.cookie, directory: directory ?? "", name: name)
            )
        }
        return try result.get()
    }

    /// Watches currently held by this process.
    public var watchCount: Int {
        locked { _ in Int(inotifytools_get_num_watches()) }
    }

    /// Watches the kernel holds for this process, counted from /proc/self/fdinfo: exact even after
    /// directories vanished (libinotifytools keeps stale entries for those).
    public static var kernelWatchCount: Int {
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return 0 }
        var count = 0
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                target == "anon_inode:inotify",
                let info = try? String(contentsOfFile: "/proc/self/fdinfo/" + fd, encoding: .utf8)
            else { continue }
            count += info.split(separator: "\n").filter { $0.hasPrefix("inotify wd:") }.count
        }
        return count
    }

    /// `fs.inotify.max_user_watches`.
    public static var maxUserWatches: Int {
        Int(inotifytools_get_max_user_watches())
    }

    /// `fs.inotify.max_queued_events`: above this many pending events the kernel sends IN_Q_OVERFLOW.
    /// Read from /proc: libinotifytools 3.22's `inotifytools_get_max_queued_events` returns -1 here.
    public static var maxQueuedEvents: Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8) else {
            return -1
        }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}

/// One inotify event, copied out of the library's buffer.
public struct InotifyEvent: Sendable, Equatable {
    public struct Mask: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let closeWrite = Mask(rawValue: ri_in_close_write())
        public static let modify = Mask(rawValue: ri_in_modify())
        public static let movedTo = Mask(rawValue: ri_in_moved_to())
        public static let movedFrom = Mask(rawValue: ri_in_moved_from())
        public static let create = Mask(rawValue: ri_in_create())
        public static let delete = Mask(rawValue: ri_in_delete())
        public static let deleteSelf = Mask(rawValue: ri_in_delete_self())
        public static let moveSelf = Mask(rawValue: ri_in_move_self())
        public static let isDirectory = Mask(rawValue: ri_in_isdir())
        public static let queueOverflow = Mask(rawValue: ri_in_q_overflow())

        /// What a watch-folder agent needs: writes in progress and finished, moves in and out, new and
        /// deleted entries. (The kernel merges repeated IN_MODIFY events for a file the reader has not reached.)
        public static let standard: Mask = [
            .modify, .closeWrite, .movedTo, .movedFrom, .create, .delete, .deleteSelf, .moveSelf,
        ]
    }

    public var mask: Mask
    public var cookie: UInt32
    /// The watched directory, with a trailing slash as libinotifytools keeps it.
    public var directory: String
    /// The entry inside `directory`, empty for events on the directory itself.
    public var name: String

    public var path: String {
        name.isEmpty ? directory : (directory.hasSuffix("/") ? directory + name : directory + "/" + name)
    }
}
