internal import CInotifyTools

#if canImport(Glibc)
    import Glibc
#endif

/// What kind of filesystem a watch root lives on, from its statfs magic number. inotify only sees changes
/// made through the local kernel: writes by another NFS client or SMB user never raise an event.
public enum FilesystemKind: Sendable, Equatable, CustomStringConvertible {
    case local
    case nfs
    case smb
    case cifs
    case smb2
    case fuse

    public static let nfsMagic: UInt = 0x6969
    public static let smbMagic: UInt = 0x517B
    public static let cifsMagic: UInt = 0xFF53_4D42
    public static let smb2Magic: UInt = 0xFE53_4D42
    public static let fuseMagic: UInt = 0x6573_5546

    public init(magic: UInt) {
        switch magic {
        case Self.nfsMagic: self = .nfs
        case Self.smbMagic: self = .smb
        case Self.cifsMagic: self = .cifs
        case Self.smb2Magic: self = .smb2
        case Self.fuseMagic: self = .fuse
        default: self = .local
        }
    }

    /// The statfs magic of `path`.
    public static func magic(of path: String) throws(Errno) -> UInt {
        var magic: UInt = 0
        guard ri_fs_magic(path, &magic) == 0 else { throw Errno(code: errno, operation: "statfs \(path)") }
        return magic
    }

    /// Remote filesystems whose writers inotify cannot see.
    public var isNetwork: Bool { self != .local }

    public var description: String {
        switch self {
        case .local: "local"
        case .nfs: "nfs"
        case .smb: "smb"
        case .cifs: "cifs"
        case .smb2: "smb2"
        case .fuse: "fuse"
        }
    }
}
