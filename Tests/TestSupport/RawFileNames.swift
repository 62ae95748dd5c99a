import Foundation

/// Files whose names are arbitrary bytes, made and listed by Python (`os` takes and returns `bytes` paths), so tests
/// judge the agent's handling of such names with a tool that does not share its code.
public enum RawFileNames {
    /// Copies `source` to `directory/name` (both as bytes) the way copy tools do: written under a hidden temporary
    /// name, then renamed in. Missing folders are created.
    public static func drop(_ source: String, into directory: [UInt8], as name: [UInt8]) async throws {
        try await python(
            """
            import os, shutil, sys
            d, n = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
            os.makedirs(d, exist_ok=True)
            tmp = os.path.join(d, b".drop.part")
            shutil.copyfile(sys.argv[3], tmp)
            os.rename(tmp, os.path.join(d, n))
            """,
            [hex(directory), hex(name), source]
        )
    }

    /// The names in `directory`, as bytes.
    public static func list(_ directory: [UInt8]) async throws -> Set<[UInt8]> {
        let out = try await python(
            "import os, sys\nfor n in os.listdir(bytes.fromhex(sys.argv[1])): print(n.hex())",
            [hex(directory)]
        )
        return Set(out.split(separator: "\n").map { unhex(String($0)) })
    }

    /// The contents of `path` (bytes).
    public static func read(_ path: [UInt8]) async throws -> Data {
        let out = try await python(
            "import sys\nsys.stdout.write(open(bytes.fromhex(sys.argv[1]), 'rb').read().hex())",
            [hex(path)]
        )
        return Data(unhex(out))
    }

    public static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Awaited on a thread of its own (`runProcessAsync`): a child must never block the cooperative pool.
    @discardableResult
    static func python(_ script: String, _ arguments: [String]) async throws -> String {
        let result = try await runProcessAsync("/usr/bin/python3", ["-c", script] + arguments)
        guard result.status == 0 else { throw Failure(message: result.stderr) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func unhex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex), index != text.endIndex {
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "python3: \(message)" }
    }
}
