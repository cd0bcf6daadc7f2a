import XCTest
@testable import ImprintRewards

final class VerdictParserTests: XCTestCase {
    /// The table of real-looking judge outputs: the robust parser gives the documented verdict,
    /// and the seeds' parsers give what the Python functions gave.
    func testJudgeOutputTable() throws {
        let file = try Fixtures.load("judge_verdicts.json", as: Fixtures.JudgeFile.self)
        XCTAssertGreaterThan(file.outputs.count, 25)
        func verdict(_ integer: Int?) -> JudgeVerdict? {
            integer == 1 ? .correct : integer == -1 ? .incorrect : nil
        }
        for output in file.outputs {
            XCTAssertEqual(VerdictParser.robust.parse(output.text), output.expected.map { JudgeVerdict(rawValue: $0)! },
                           "robust: \(output.name)")
            XCTAssertEqual(VerdictParser.seedGRPO.parse(output.text), verdict(output.seed_grpo), "seedGRPO: \(output.name)")
            XCTAssertEqual(VerdictParser.seedEvaluation.parse(output.text), verdict(output.seed_evaluation),
                           "seedEvaluation: \(output.name)")
            XCTAssertEqual(VerdictParser.seedYesNo.parse(output.text), output.seed_yes_no ? .correct : .incorrect,
                           "seedYesNo: \(output.name)")
        }
    }

    /// Where the seed's GRPO parser goes wrong and the robust one does not.
    func testRobustParserIgnoresEchoedFormat() {
        let echoed = "Class 1 (CORRECT): <reasoning>\nClass -1 (INCORRECT): <reasoning>\n\nFinal Verdict: -1"
        XCTAssertEqual(VerdictParser.seedGRPO.parse(echoed), .correct)
        XCTAssertEqual(VerdictParser.robust.parse(echoed), .incorrect)
        XCTAssertEqual(VerdictParser.robust.parse("Final Verdict: <assigned class> (1/-1)"), nil)
        XCTAssertEqual(VerdictParser.robust.parse("Final Verdict: There is no contradiction, so 1"), .correct)
    }

    func testTokenizer() {
        XCTAssertEqual(VerdictParser.tokens(Array("Class - 1 (INCORRECT)".unicodeScalars)),
                       [.word("class"), .number(-1), .word("incorrect")])
        XCTAssertEqual(VerdictParser.removingEchoes(Array("a <b c> 1 / -1 d".unicodeScalars)).filter { $0 != " " },
                       Array("ad".unicodeScalars))
    }
}
