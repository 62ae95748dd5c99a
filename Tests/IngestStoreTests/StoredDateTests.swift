import Foundation
import GRDB
import Testing

@testable import IngestStore

/// The job list parses SQLite's date text itself; GRDB's own reading of the same text is the reference.
@Suite("Stored dates: parsed as GRDB reads them")
struct StoredDateTests {
    @Test func datesGRDBWroteReadBackTheSame() throws {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.5)]  // 2000-02-29
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: .random(in: -2e9...4e9, using: &generator))) }
        for date in dates {
            let stored = date.databaseValue
            guard case .string(let text) = stored.storage else {
                Issue.record("GRDB stored \(date) as \(stored), not text")
                return
            }
            let parsed = try #require(StoredDate.parse(text), "\(text)")
            #expect(parsed == Date.fromDatabaseValue(stored), "\(text)")
        }
    }

    @Test(arguments: [
        "2026-12-07", "2026-12-07 01:57:19", "2026-12-07T01:57:19.123", "2026-13-07 01:57:19.123",
        "2026-12-07 01:57:19.12x", "2026-12-07 01:57:19.123Z", "",
    ])
    func otherShapesAreLeftToGRDB(text: String) {
        #expect(StoredDate.parse(text) == nil)
    }
}
