import Foundation
import Testing

@testable import IngestAgent

@Suite("Lease keeper: heartbeat cadence and self-fencing")
struct LeaseKeeperTests {
    let start = ContinuousClock.now

    @Test func heartbeatsComeEveryQuarterLease() {
        var keeper = LeaseKeeper(lease: .seconds(120), now: start)
        #expect(keeper.interval == .seconds(30))
        let first = keeper.heartbeatDue(now: start)
        #expect(first, "the first tick renews at once")
        let early = keeper.heartbeatDue(now: start + .seconds(29))
        #expect(!early)
        let onTime = keeper.heartbeatDue(now: start + .seconds(30))
        #expect(onTime)
        let justAfter = keeper.heartbeatDue(now: start + .seconds(31))
        #expect(!justAfter, "counted from the last attempt")
    }

    @Test func failedRenewalsFenceOnlyAfterAWholeLeaseAndASuccessEndsIt() {
        var keeper = LeaseKeeper(lease: .seconds(120), now: start)
        keeper.renewed(now: start + .seconds(10))
        let after30s = keeper.renewalFailed(now: start + .seconds(40))
        #expect(!after30s)
        let withinLease = keeper.renewalFailed(now: start + .seconds(129))
        #expect(!withinLease, "still within the lease of the last renewal")
        #expect(!keeper.selfFenced)
        let afterLease = keeper.renewalFailed(now: start + .seconds(130))
        #expect(afterLease)
        #expect(keeper.selfFenced, "claims nothing until the database answers again")
        keeper.renewed(now: start + .seconds(200))
        #expect(!keeper.selfFenced)
        let afterSuccess = keeper.renewalFailed(now: start + .seconds(201))
        #expect(!afterSuccess)
    }
}
