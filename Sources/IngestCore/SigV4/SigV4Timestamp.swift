import Foundation

/// A `Date` rendered the way SigV4 wants it, in UTC: `20130524T000000Z` and the date stamp `20130524`.
///
/// Computed arithmetically (no `DateFormatter`, no locale or time zone lookup).
public struct SigV4Timestamp: Sendable, Hashable {
    /// `yyyyMMdd'T'HHmmss'Z'`, the value of `X-Amz-Date`.
    public let amzDate: String
    /// `yyyyMMdd`, the first element of the credential scope.
    public let dateStamp: String

    /// Fractional seconds are truncated. Throws for dates that are not finite or outside the years 1...9999.
    public init(_ date: Date) throws(SigV4Error) {
        let interval = date.timeIntervalSince1970
        // Years 1...9999 in seconds since 1970, with a margin that keeps the Int64 conversion safe.
        guard interval.isFinite, interval > -62_135_596_800, interval < 253_402_300_800 else {
            throw .invalidDate
        }
        let seconds = Int64(interval.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civilDate(fromDaysSince1970: days)
        let stamp = Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2)
        let time =
            Self.pad(secondOfDay / 3_600, 2) + Self.pad(secondOfDay % 3_600 / 60, 2) + Self.pad(secondOfDay % 60, 2)
        self.dateStamp = stamp
        self.amzDate = stamp + "T" + time + "Z"
    }

    /// Howard Hinnant's `civil_from_days`: proleptic Gregorian year, month, day for a day count since 1970-01-01.
    private static func civilDate(fromDaysSince1970 days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
