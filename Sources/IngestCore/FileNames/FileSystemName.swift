#if canImport(Glibc)
    import Glibc
#endif

/// File names on Linux are bytes, not text: a Samba or NFS share mounted without the right character set hands
/// over Latin-1 names (`Übung.mp4` as 0xDC then `bung.mp4`). The agent carries paths as `String`s, so each byte
/// that is not part of valid UTF-8 is kept as one private-use scalar, U+10FF00 + byte (the idea of Python's
/// `surrogateescape`, PEP 383, with scalars a Swift `String` can hold). Valid UTF-8 that happens to encode one of
/// those scalars is escaped byte by byte too, so the mapping is exact both ways: every name round-trips to the
/// bytes it came from, and a name that is valid UTF-8 is the same `String` as before.
///
/// System calls take the bytes back through `withFileSystemPath`; people see `readable`, where each such byte
/// reads `\xHH`.
public enum FileSystemName {
    static let escapeBase: UInt32 = 0x10_FF00
    static let escapeRange: ClosedRange<UInt32> = 0x10_FF80...0x10_FFFF

    /// The `String` for a name or path as the kernel gives it.
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        decode(bytes, keepingEscapes: false)
    }

    /// `keepingEscapes`: valid UTF-8 is taken as it is even where it spells an escape, so that a path the agent
    /// passes on a worker's command line (its escapes written as UTF-8) arrives unchanged.
    static func decode<Bytes: Collection>(_ bytes: Bytes, keepingEscapes: Bool) -> String
    where Bytes.Element == UInt8 {
        if let text = String(validating: bytes, as: UTF8.self),
            keepingEscapes || !text.unicodeScalars.contains(where: isEscape)
        {
            return text
        }
        var scalars = String.UnicodeScalarView()
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let length = validSequenceLength(bytes, at: index)
            let end = bytes.index(index, offsetBy: max(length, 1))
            if length > 0, let text = String(validating: bytes[index..<end], as: UTF8.self),
                let scalar = text.unicodeScalars.first, keepingEscapes || !isEscape(scalar)
            {
                scalars.append(scalar)
            } else {
                for byte in bytes[index..<end] { scalars.append(escape(byte)) }
            }
            index = end
        }
        return String(scalars)
    }

    /// The exact bytes `decode` was given (no terminating NUL).
    public static func encode(_ path: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if isEscape(scalar) {
                bytes.append(UInt8(scalar.value - escapeBase))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }

    /// This process's arguments after the program name. `CommandLine.arguments` replaces bytes that are not UTF-8
    /// (a Latin-1 file name typed in a shell); here they are kept as escapes, so the file can still be opened.
    /// A path the agent itself passes (escapes already written as UTF-8) arrives unchanged.
    public static func commandLineArguments() -> [String] {
        (1..<Int(CommandLine.argc)).compactMap { index in
            CommandLine.unsafeArgv[index].map { pointer in
                let bytes = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
                return decode(UnsafeBufferPointer(start: bytes, count: strlen(pointer)), keepingEscapes: true)
            }
        }
    }

    /// True when `path` holds bytes that are not UTF-8 (only those need the slow paths).
    public static func hasEscapes(_ path: String) -> Bool {
        path.unicodeScalars.contains(where: isEscape)
    }

    /// For logs, the API, the page and `video.json`: each byte that is not UTF-8 reads `\xHH`.
    public static func readable(_ path: String) -> String {
        guard hasEscapes(path) else { return path }
        var text = ""
        for scalar in path.unicodeScalars {
            if isEscape(scalar) {
                let byte = UInt8(scalar.value - escapeBase)
                text += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    static func isEscape(_ scalar: Unicode.Scalar) -> Bool {
        escapeRange.contains(scalar.value)
    }

    static func escape(_ byte: UInt8) -> Unicode.Scalar {
        // Bytes below 0x80 are always valid UTF-8 on their own, so only 0x80...0xFF are ever escaped.
        Unicode.Scalar(escapeBase + UInt32(byte)) ?? "\u{FFFD}"
    }

    /// The length of the well-formed UTF-8 sequence starting at `index`, or 0 when the byte there starts none.
    static func validSequenceLength<Bytes: Collection>(_ bytes: Bytes, at index: Bytes.Index) -> Int
    where Bytes.Element == UInt8 {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        var cursor = index
        for _ in 1..<length {
            cursor = bytes.index(after: cursor)
            guard cursor != bytes.endIndex, (0x80...0xBF).contains(bytes[cursor]) else { return 0 }
        }
        // Overlong forms, surrogates and values past U+10FFFF are rejected by `String(validating:)` afterwards.
        return length
    }
}

extension String {
    /// A name or path as the kernel gives it (`readdir`, inotify), bytes that are not UTF-8 kept exactly.
    public init(fileSystemName pointer: UnsafePointer<CChar>) {
        let bytes = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        self = FileSystemName.decode(UnsafeBufferPointer(start: bytes, count: strlen(pointer)))
    }

    /// Calls `body` with the path's exact bytes as a C string: every system call on a path that may have come
    /// from a share goes through here (Swift's own `String` to C-string bridging would write the escapes as UTF-8).
    public func withFileSystemPath<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        guard FileSystemName.hasEscapes(self) else { return try withCString(body) }
        let bytes = FileSystemName.encode(self).map { CChar(bitPattern: $0) } + [0]
        return try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return try withCString(body) }
            return try body(base)
        }
    }

    /// The path as people read it: bytes that are not UTF-8 as `\xHH`.
    public var readablePath: String { FileSystemName.readable(self) }
}
