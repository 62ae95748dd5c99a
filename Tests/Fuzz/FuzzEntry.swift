import Foundation
import FuzzDriver
import FuzzTargets

#if FUZZING
    /// libFuzzer's entry point (`make fuzz` builds this target with `-sanitize=fuzzer -DFUZZING`; FuzzDriver's
    /// `main` runs libFuzzer's driver). The target comes from `REEL_INGEST_FUZZ_TARGET`.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
        guard let target = FuzzTarget.selected else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("set REEL_INGEST_FUZZ_TARGET to one of: \(names)\n".utf8))
            exit(2)
        }
        target.run(Data(bytes: bytes, count: count))
        return 0
    }
#else
    /// Without libFuzzer: replays inputs, `reel-ingest-fuzz TARGET FILE...`, to reproduce a crash a fuzzer found.
    @main
    struct ReplayFuzzInputs {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            if arguments.first == "--write-seeds", arguments.count == 3 {
                writeSeeds(target: Array(arguments)[1], into: Array(arguments)[2])
                return
            }
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                print("usage: reel-ingest-fuzz \(names) FILE...")
                exit(2)
            }
            for file in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: file) else {
                    print("cannot read \(file)")
                    exit(1)
                }
                target.run(data)
                print("ok \(file)")
            }
        }

        /// `--write-seeds TARGET DIR`: the target's seeds as files, the starting corpus of `make fuzz`.
        static func writeSeeds(target name: String, into directory: String) {
            guard let target = FuzzTarget(rawValue: name) else { exit(2) }
            let repository = FileManager.default.currentDirectoryPath
            for (index, seed) in target.seeds(repository: repository).enumerated() {
                _ = FileManager.default.createFile(atPath: directory + "/seed-\(index)", contents: seed)
            }
        }
    }
#endif
