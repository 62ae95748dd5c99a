import Foundation
import GRDB
import Testing

@testable import IngestStore

/// The job list parses SQLite's date text itself; GRDB's own reading of the same text is the reference.
@Suite("Stored dates: parsed as GRDB reads them")
struct StoredDateTests {
    @Test func datesGRDBWroteReadBackTheSame() throws {
        var generator = SystemRandomNumberGenerator()
        // 2004-02-29, the first instant of 2001, and random instants up to 2096.
        var dates = [Date(timeIntervalSince1970: 1_078_012_800.5), Date(timeIntervalSinceReferenceDate: 0)]
        for _ in 0..<2000 {
            dates.append(Date(timeIntervalSinceReferenceDate: .random(in: 0...3e9, using: &generator)))
        }
        for date in dates {
            let stored = date.databaseValue
            guard case .string(let text) = stored.storage else {
                Issue.record("GRDB stored \(date) as \(stored), not text")
                return
            }
            let parsed = try #require(StoredDate.parse(text), "\(text)")
            #expect(parsed == Date.fromDatabaseValue(stored), "\(text)")
        }
        // Before 2001 the text is left to GRDB (Foundation's arithmetic on negative intervals can differ by an ulp).
        #expect(StoredDate.parse("2000-12-30 11:51:44.123") == nil)
        #expect(StoredDate.parse("2001-01-01 00:00:00.000") == Date(timeIntervalSinceReferenceDate: 0))
    }

    @Test(arguments: [
        "2026-12-07", "2026-12-07 01:57:19", "2026-12-07T01:57:19.123", "2026-13-07 01:57:19.123",
        "2026-12-07 01:57:19.12x", "2026-12-07 01:57:19.123Z", "",
    ])
    func otherShapesAreLeftToGRDB(text: String) {
        #expect(StoredDate.parse(text) == nil)
    }
}
