import Foundation

/// Parsing of the human units config files use: sizes ("500MiB"), durations ("30s", "2h"), bitrates ("5000k").
public enum Units {
    /// Bytes from an integer or a string such as `16MiB`, `1.5 GiB`, `500MB`, `4096`.
    public static func bytes(_ text: String) -> Int64? {
        let (number, unit) = split(text)
        guard let number else { return nil }
        let factors: [String: Double] = [
            "": 1, "b": 1,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
            "kb": 1000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
        ]
        guard let factor = factors[unit.lowercased()] else { return nil }
        let value = number * factor
        guard value >= 0, value < 9e18 else { return nil }
        return Int64(value.rounded())
    }

    /// A duration from a string such as `500ms`, `30s`, `5m`, `2h`, `7d` (a bare number means seconds).
    public static func duration(_ text: String) -> Duration? {
        let (number, unit) = split(text)
        guard let number, number >= 0 else { return nil }
        let factors: [String: Double] = ["": 1, "ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400]
        guard let factor = factors[unit.lowercased()] else { return nil }
        // Out of range (or infinite) is no duration, not a crash: found by fuzzing `settle_time = "1333…0s"`.
        let milliseconds = (number * factor * 1000).rounded()
        guard milliseconds < 9e18 else { return nil }
        return .milliseconds(Int64(milliseconds))
    }

    /// Bits per second from `5000k`, `5M`, `128000`.
    public static func bitrate(_ text: String) -> Int? {
        let (number, unit) = split(text)
        guard let number, number > 0 else { return nil }
        let factors: [String: Double] = ["": 1, "k": 1000, "m": 1_000_000]
        guard let factor = factors[unit.lowercased()] else { return nil }
        let bits = (number * factor).rounded()
        guard bits < 9e18 else { return nil }
        return Int(bits)
    }

    /// `1048576` → `1MiB`: the shortest exact binary form, for printing resolved config.
    public static func formatBytes(_ bytes: Int64) -> String {
        for (unit, factor) in [("GiB", Int64(1) << 30), ("MiB", Int64(1) << 20), ("KiB", Int64(1) << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(unit)"
        }
        return "\(bytes)"
    }

    /// Sizes for people to compare: all in the unit of the largest, one decimal (`88.3 MiB` and `8.0 MiB`, never
    /// `92601364` beside `8MiB`).
    public static func formatBytesAlike(_ sizes: [Int64]) -> [String] {
        let largest = sizes.max() ?? 0
        let (unit, factor) =
            [("GiB", Int64(1) << 30), ("MiB", Int64(1) << 20), ("KiB", Int64(1) << 10)].first { largest >= $0.1 }
            ?? ("bytes", 1)
        return sizes.map { size in
            factor == 1 ? "\(size) bytes" : String(format: "%.1f %@", Double(size) / Double(factor), unit)
        }
    }

    /// `Duration` → `90s`, `5m`, `2h`: exact, shortest.
    public static func formatDuration(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        let s = ms / 1000
        if s != 0 && s % 86_400 == 0 { return "\(s / 86_400)d" }
        if s != 0 && s % 3600 == 0 { return "\(s / 3600)h" }
        if s != 0 && s % 60 == 0 { return "\(s / 60)m" }
        return "\(s)s"
    }

    private static func split(_ text: String) -> (Double?, String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." || $0 == "_" }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        return (Double(digits.replacingOccurrences(of: "_", with: "")), unit)
    }
}
