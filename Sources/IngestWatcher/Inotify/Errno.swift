#if canImport(Glibc)
    import Glibc
#endif

/// A failed system or libinotifytools call: the errno value, `strerror`'s text and what was attempted.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var message: String {
        String(cString: strerror(code))
    }

    public var description: String {
        "\(operation): \(message) (errno \(code))"
    }
}
