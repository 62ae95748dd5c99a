import Testing

@testable import IngestAgent

@Suite("How often the scheduler looks at the database unasked")
struct PollPaceTests {
    @Test func sqliteIsLookedAtEverySecondWhateverRuns() {
        let pace = PollPace(lease: .seconds(120), announcesChanges: false)
        #expect(pace.interval == .seconds(1))
        pace.jobsRunning(true)
        #expect(pace.interval == .seconds(1))
    }

    @Test func anIdleAgentOnPostgresLooksOncePerEighthOfALeaseAtMostEveryTenSeconds() {
        #expect(PollPace(lease: .seconds(120), announcesChanges: true).interval == .seconds(10))
        #expect(PollPace(lease: .seconds(40), announcesChanges: true).interval == .seconds(5))
        // A short lease never makes it look more often than every second.
        #expect(PollPace(lease: .seconds(4), announcesChanges: true).interval == .seconds(1))
    }

    @Test func runningJobsBringTheSecondBackUntilTheyEnd() {
        let pace = PollPace(lease: .seconds(120), announcesChanges: true)
        pace.jobsRunning(true)
        #expect(pace.interval == .seconds(1))
        pace.jobsRunning(false)
        #expect(pace.interval == .seconds(10))
    }
}
