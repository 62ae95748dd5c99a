import IngestCore
import IngestStore
import Testing

@testable import IngestAgent

@Suite("Agent standing: drain, quarantine, release")
struct AgentStandingTests {
    @Test func aRunOfFailuresQuarantinesOnceAndAPublishedJobEndsTheRun() {
        var standing = AgentStanding(quarantineAfter: 3)
        #expect(standing.jobEnded(.failed, error: "a") == nil)
        #expect(standing.jobEnded(.failed, error: "b") == nil)
        #expect(standing.jobEnded(.published, error: nil) == nil)
        #expect(standing.failuresInARow == 0)
        #expect(standing.jobEnded(.failed, error: "c") == nil)
        #expect(standing.jobEnded(.rejected, error: "not a video") == nil, "a bad file says nothing about the agent")
        #expect(standing.jobEnded(.failed, error: "d") == nil)
        let reason = standing.jobEnded(.failed, error: "encoder crashed")
        #expect(reason?.contains("3 jobs failed") == true && reason?.contains("encoder crashed") == true)
        #expect(standing.mayClaim, "claims stop once the store says quarantined")
        #expect(standing.observed(.quarantined) == .quarantined)
        #expect(!standing.mayClaim)
        #expect(standing.jobEnded(.failed, error: "e") == nil, "quarantined once")
    }

    @Test func releaseStartsAFreshCountAndDrainStopsClaims() {
        var standing = AgentStanding(quarantineAfter: 2)
        _ = standing.jobEnded(.failed, error: nil)
        #expect(standing.observed(.active) == nil, "no change, nothing to say")
        #expect(standing.observed(.draining) == .draining)
        #expect(!standing.mayClaim)
        #expect(standing.observed(.active) == .active)
        #expect(standing.mayClaim && standing.failuresInARow == 0)
        #expect(standing.jobEnded(.failed, error: nil) == nil)
    }

    @Test func zeroNeverQuarantines() {
        var standing = AgentStanding(quarantineAfter: 0)
        for _ in 0..<50 { #expect(standing.jobEnded(.failed, error: nil) == nil) }
    }
}
