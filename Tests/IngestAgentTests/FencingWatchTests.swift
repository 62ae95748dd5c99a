import Testing

@testable import IngestAgent

/// When an agent stops its jobs for want of lease renewals: on its own clock, once per stretch without an answer.
@Suite("fencing watch")
struct FencingWatchTests {
    @Test func runningJobsStopOnceAWholeLeasePassedWithoutARenewal() {
        let start = ContinuousClock.now
        let watch = FencingWatch(lease: .seconds(8), now: start)
        #expect(watch.due(now: start + .seconds(9)).isEmpty, "nothing runs: nothing to stop")
        let (first, second) = (JobControl(), JobControl())
        watch.track(1, first)
        watch.track(2, second)
        watch.renewed(now: start + .seconds(9))
        #expect(watch.due(now: start + .seconds(16)).isEmpty, "7 s after the last renewal")
        #expect(watch.due(now: start + .seconds(17)).count == 2)
        #expect(watch.due(now: start + .seconds(30)).isEmpty, "stopped once, not again")
        watch.untrack(1)
        watch.renewed(now: start + .seconds(31))
        #expect(watch.due(now: start + .seconds(39)).count == 1, "a new stretch without an answer stops again")
    }
}
