/// How a file is cut into multipart parts.
public struct MultipartPlan: Sendable, Equatable {
    /// S3 allows 10,000 parts; 9,000 leaves headroom so a file that grows slightly still fits.
    public static let maximumParts: Int64 = 9_000

    public struct Part: Sendable, Equatable {
        /// 1-based, as S3 numbers them.
        public let number: Int
        public let offset: Int64
        public let length: Int64
    }

    public let totalSize: Int64
    public let partSize: Int64

    /// part size = max(configured, ceil(size / 9000)).
    public init(totalSize: Int64, configuredPartSize: Int64) {
        self.totalSize = totalSize
        let needed = (totalSize + Self.maximumParts - 1) / Self.maximumParts
        self.partSize = max(configuredPartSize, needed, 1)
    }

    /// Resumes with the part size an interrupted upload used, whatever the configuration says now.
    public init(totalSize: Int64, fixedPartSize: Int64) {
        self.totalSize = totalSize
        self.partSize = max(fixedPartSize, 1)
    }

    public var partCount: Int {
        totalSize == 0 ? 1 : Int((totalSize + partSize - 1) / partSize)
    }

    public func part(_ number: Int) -> Part {
        let offset = Int64(number - 1) * partSize
        return Part(number: number, offset: offset, length: max(0, min(partSize, totalSize - offset)))
    }

    public var parts: [Part] {
        (1...partCount).map(part)
    }
}
