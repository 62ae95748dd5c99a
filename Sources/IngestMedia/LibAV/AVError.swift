internal import CFFmpeg

/// A negative libav return code with `av_strerror`'s message and the call that produced it.
public struct AVError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let operation: String

    init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        self.message = AVError.message(for: code)
    }

    public var description: String {
        "\(operation): \(message) (libav error \(code))"
    }

    public var isEndOfFile: Bool { code == AVError.endOfFile }
    public var isTryAgain: Bool { code == AVError.tryAgain }

    public static var endOfFile: Int32 { ri_averror_eof() }
    public static var tryAgain: Int32 { ri_averror_eagain() }
    public static var invalidData: Int32 { ri_averror_invaliddata() }

    /// `AVERROR(errno)`.
    public static func posix(_ errno: Int32) -> Int32 { ri_averror(errno) }

    /// The text `av_strerror` gives for a code.
    public static func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { ri_av_strerror(code, $0.baseAddress, $0.count) }
        let text = buffer.withUnsafeBufferPointer { $0.baseAddress.map { String(cString: $0) } ?? "" }
        return status < 0 && text.isEmpty ? "unknown libav error" : text
    }

    static func outOfMemory(_ operation: String) -> AVError {
        AVError(code: ri_averror_enomem(), operation: operation)
    }

    static func invalid(_ operation: String) -> AVError {
        AVError(code: ri_averror_einval(), operation: operation)
    }

    /// The chokepoint every libav call goes through: negative means failure.
    @discardableResult
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(AVError) -> Int32 {
        guard result >= 0 else { throw AVError(code: result, operation: operation()) }
        return result
    }
}
