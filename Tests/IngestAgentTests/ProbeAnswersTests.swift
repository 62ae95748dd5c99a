import Foundation
import IngestCore
import IngestWatcher
import Testing

@testable import IngestAgent

/// Intake's probe answers, as the probe stage takes them: once, and only for the same file under the same limits.
@Suite struct ProbeAnswersTests {
    let file = FileObservation(path: "/share/a.mp4", device: 1, inode: 7, size: 1_000, mtimeNs: 42)

    @Test func anAnswerIsTakenOnceForTheSameFile() {
        let answers = ProbeAnswers()
        answers.keep(job: 1, file: file, limits: AgentConfig().limits, summary: #"{"duration":1}"#)
        #expect(answers.take(job: 1, file: file, limits: AgentConfig().limits) == #"{"duration":1}"#)
        #expect(answers.take(job: 1, file: file, limits: AgentConfig().limits) == nil)
    }

    @Test func aChangedFileOrOtherLimitsAreProbedAgain() {
        let answers = ProbeAnswers()
        for change in [\FileObservation.size, \.mtimeNs, \.inode, \.device] {
            answers.keep(job: 1, file: file, limits: AgentConfig().limits, summary: "{}")
            var changed = file
            changed[keyPath: change] += 1
            #expect(answers.take(job: 1, file: changed, limits: AgentConfig().limits) == nil)
        }
        var tighter = AgentConfig().limits
        tighter.maxDuration = .seconds(1)
        answers.keep(job: 2, file: file, limits: AgentConfig().limits, summary: "{}")
        #expect(answers.take(job: 2, file: file, limits: tighter) == nil)
        #expect(answers.count == 0)
    }

    @Test func theOldestAnswersGoPastTheCapacity() {
        let answers = ProbeAnswers(capacity: 3)
        for job in Int64(1)...5 {
            answers.keep(job: job, file: file, limits: AgentConfig().limits, summary: "\(job)")
        }
        #expect(answers.count == 3)
        #expect(answers.take(job: 1, file: file, limits: AgentConfig().limits) == nil)
        #expect(answers.take(job: 2, file: file, limits: AgentConfig().limits) == nil)
        #expect(answers.take(job: 5, file: file, limits: AgentConfig().limits) == "5")
    }
}
