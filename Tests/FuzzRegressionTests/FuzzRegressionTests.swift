import Foundation
import FuzzTargets
import Testing

/// Every fuzz target on its seeds, on every input a fuzzer ever crashed (`Crashes/<target>/`, kept small and by
/// hand), and on 1,500 mutations of the seeds: none may crash the process. The mutations come from a fixed seed, so
/// every run tries the same inputs (open-ended search is `make fuzz`'s job).
@Suite("fuzz targets: regressions")
struct FuzzRegressionTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let crashes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Crashes")

    @Test(arguments: FuzzTarget.allCases)
    func seedsCrashesAndMutationsAreSurvived(_ target: FuzzTarget) throws {
        let seeds = target.seeds(repository: Self.repository)
        #expect(!seeds.isEmpty, "\(target.rawValue) has seeds")
        let folder = Self.crashes.appendingPathComponent(target.rawValue).path
        let found = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let inputs = seeds + found.sorted().compactMap { FileManager.default.contents(atPath: folder + "/" + $0) }
        for input in inputs { target.run(input) }
        var random = SplitMix64(seed: UInt64(target.rawValue.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        for round in 0..<1500 {
            target.run(Self.mutate(seeds[round % seeds.count], using: &random))
        }
    }

    /// One to four random edits: a byte replaced, inserted or deleted, or a slice repeated.
    static func mutate(_ seed: Data, using random: inout SplitMix64) -> Data {
        var bytes = [UInt8](seed)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
            case 2 where !bytes.isEmpty: bytes.remove(at: at)
            default:
                let end = min(bytes.count, at + Int.random(in: 1...16, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            }
        }
        return Data(bytes)
    }
}

/// A small generator with a fixed seed (SplitMix64), so the mutations are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
