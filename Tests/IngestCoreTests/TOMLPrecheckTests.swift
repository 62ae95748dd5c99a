import Testing

@testable import IngestCore

/// Table headers without a name and a `}` inside an array made toml++ stop the process (found by fuzzing); they are
/// now errors that name the line, and nothing valid is refused.
@Suite("TOML headers without a name")
struct TOMLPrecheckTests {
    @Test(arguments: [
        ("[\ngent]\n", 1), ("[agent]\nx = 1\n[=]\n", 3), ("a = 1\n  [[ \t#x\n", 2), ("[.a]", 1), ("[\r\n", 1),
        ("\u{FEFF}[\u{FFFD}", 1),
    ])
    func headerWithoutANameIsAnErrorWithItsLine(text: String, line: Int) {
        let error = #expect(throws: ConfigErrors.self) { try ConfigValue.parse(toml: text, file: "agent.toml") }
        let problem = error?.issues.first?.problem ?? ""
        #expect(problem.hasPrefix("TOML syntax error at line \(line): a table header needs a name"), "\(problem)")
    }

    @Test(arguments: [("ignore = [}*.tmp\"]\n", 1), ("a = 1\nx = { a = [ 1, } }\n", 2)])
    func closingBraceInsideAnArrayIsAnErrorWithItsLine(text: String, line: Int) {
        let error = #expect(throws: ConfigErrors.self) { try ConfigValue.parse(toml: text, file: "line.toml") }
        let problem = error?.issues.first?.problem ?? ""
        #expect(problem == "TOML syntax error at line \(line): '}' inside an array: close it with ']'", "\(problem)")
    }

    @Test(arguments: [
        "percentages = [\n  [1, 2],\n  [3],\n]\n",
        "s = \"\"\"\n[\n\"\"\"\nt = '['\nu = \"[\\\"\"\n",
        "# [\n[a]\n[[b.c]]\n[ \"quoted key\" ]\nx = { y = [ [1] ] }\n",
        "[ ]\n",
    ])
    func validTextIsNotFlagged(text: String) {
        #expect(TOMLPrecheck.problem(in: text) == nil)
    }
}
