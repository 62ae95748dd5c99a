/// What a stat of a file in a watched folder says.
public struct FileObservation: Sendable, Hashable {
    public var path: String
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var mtimeNs: Int64

    public init(path: String, device: Int64, inode: Int64, size: Int64, mtimeNs: Int64) {
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNs = mtimeNs
    }
}
