import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a transcode failed, as one line, and whether it was for want of room on the output's filesystem (the worker
/// then exits with `WorkerExitStatus.outOfSpace`, and the agent makes the job wait for room instead of failing it).
public struct TranscodeFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var outOfSpace: Bool

    /// `errno`: the C error behind it, when there is one.
    public init(_ description: String, errno code: Int32? = nil) {
        self.description = description
        self.outOfSpace = code == ENOSPC
    }

    /// Another error as a transcode failure, its text prefixed with `context` (`"transcode failed: "`).
    init(_ error: any Error, context: String = "") {
        self.description = context + "\(error)"
        self.outOfSpace = Self.isOutOfSpace(error)
    }

    /// ENOSPC however it came: libav's `AVERROR(ENOSPC)`, a POSIX or Foundation error, a failure of ours that carried
    /// it, and last the C library's own words for it in the text of an error that kept only its text.
    static func isOutOfSpace(_ error: any Error) -> Bool {
        switch error {
        case let failure as TranscodeFailure: return failure.outOfSpace
        case let av as AVError: return av.code == AVError.posix(ENOSPC)
        case let posix as POSIXError: return posix.code == .ENOSPC
        case let cocoa as CocoaError:
            if cocoa.code == .fileWriteOutOfSpace { return true }
            let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError
            return underlying?.domain == NSPOSIXErrorDomain && underlying?.code == Int(ENOSPC)
        default: return "\(error)".contains(String(cString: strerror(ENOSPC)))
        }
    }
}
