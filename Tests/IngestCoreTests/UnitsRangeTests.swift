import IngestCore
import Testing

/// Values too large for their type are refused, not a crash (found by fuzzing a drop-in's `settle_time`).
@Suite("units out of range")
struct UnitsRangeTests {
    @Test func hugeDurationsAndBitratesAreNoValues() {
        let huge = String(repeating: "3", count: 80)
        #expect(Units.duration(huge + "0s") == nil)
        #expect(Units.duration(huge + "d") == nil)
        #expect(Units.bitrate(huge + "M") == nil)
        #expect(Units.bytes(huge + "GiB") == nil)
        #expect(Units.duration("9000000000000s") == .seconds(9_000_000_000_000))
        #expect(Units.bitrate("5M") == 5_000_000)
    }
}
