import Foundation
import XCTest
@testable import ImprintEval

final class ExperimentReportTests: XCTestCase {
    /// Three facts asked as `question` (trained) and rephrased_3/rephrased_6 (held out); `verdicts` in row order.
    func records(_ verdicts: [Verdict]) -> [AnswerRecord] {
        EvalFixtures.phrasingRows(facts: 3).enumerated().map { EvalFixtures.record($0, $1, verdicts[$0]) }
    }

    func testArmsPoolSeedsAndPairsMatchSeedBySeed() throws {
        let base = records([.incorrect, .incorrect, .incorrect, .incorrect, .incorrect, .incorrect, .incorrect, .incorrect, .incorrect])
        // Seed 1: facts 0 and 1 both held-out right; seed 2: fact 0 only.
        let five1 = records([.correct, .correct, .correct, .correct, .correct, .correct, .correct, .correct, .incorrect])
        let five2 = records([.correct, .correct, .correct, .correct, .incorrect, .correct, .correct, .incorrect, .incorrect])
        let report = ExperimentReport(title: "t", runs: [("base", 0, base), ("five", 1, five1), ("five", 2, five2)],
                                      reference: ["five": 0.74], referenceName: "seed 003", pairs: [("five", "base"), ("five", "missing")],
                                      settings: ["b": "2", "a": "1"], replicates: 200, seed: 1)
        XCTAssertEqual(report.arms.map(\.label), ["base", "five"])
        let five = report.arms[1]
        XCTAssertEqual(five.seeds, [1, 2])
        XCTAssertEqual(five.heldOutAll.successes, 3)
        XCTAssertEqual(five.heldOutAll.trials, 6)
        XCTAssertEqual(five.heldOutSome.successes, 2)
        XCTAssertEqual(five.heldOutNone.successes, 1)
        XCTAssertEqual(five.trainedPooled?.successes, 6)
        XCTAssertEqual(five.reference, 0.74)
        XCTAssertTrue(report.hasHeldOut)
        // The base model (one run) is matched to both seeds: 6 (run, fact) items, 3 only-five.
        XCTAssertEqual(report.comparisons.count, 1)
        XCTAssertEqual(report.comparisons[0].count, 6)
        XCTAssertEqual(report.comparisons[0].onlyA, 3)
        XCTAssertEqual(report.comparisons[0].onlyB, 0)
        XCTAssertTrue(report.markdown.contains("| five "), report.markdown)
        XCTAssertTrue(report.markdown.contains("five − base"), report.markdown)
        XCTAssertTrue(report.markdown.contains("74.00%"), report.markdown)
        XCTAssertTrue(report.html.contains("<svg"))
        // Same inputs, same bytes; the JSON round-trips.
        let again = ExperimentReport(title: "t", runs: [("base", 0, base), ("five", 1, five1), ("five", 2, five2)],
                                     reference: ["five": 0.74], referenceName: "seed 003", pairs: [("five", "base")],
                                     settings: ["a": "1", "b": "2"], replicates: 200, seed: 1)
        XCTAssertEqual(again.json, report.json)
        XCTAssertEqual(try JSONDecoder().decode(ExperimentReport.self, from: Data(report.json.utf8)), report)
    }

    func testQuestionsWithoutPhrasingsAndRecitations() throws {
        let rows = (0..<4).map { EvaluationRow(question: "Q\($0)?", answer: "a\($0)") }
        func run(_ correct: Set<Int>) -> [AnswerRecord] {
            rows.enumerated().map { EvalFixtures.record($0, $1, correct.contains($0) ? .correct : .incorrect, heldOut: []) }
                .map { var record = $0; record.heldOut = nil; return record }
        }
        func recitation(_ ratios: [Double]) -> [RecitationRecord] {
            ratios.enumerated().map { index, ratio in
                var record = try! JSONDecoder().decode(RecitationRecord.self, from: Data(
                    #"{"index":0,"line":0,"question":"q","original":"o","recitation":"r","finish_reason":"stop","ratio":0}"#.utf8))
                record.index = index
                record.question = "story \(index)"
                record.ratio = ratio
                return record
            }
        }
        let report = ExperimentReport(title: "story", runs: [("base", 1, run([0])), ("sft", 1, run([0, 1, 2]))],
                                      pairs: [("sft", "base")],
                                      recitations: [("base", recitation([0.1, 0.2])), ("sft", recitation([0.5, 0.6]))],
                                      replicates: 200)
        XCTAssertFalse(report.hasHeldOut)
        XCTAssertEqual(report.arms[1].accuracy.successes, 3)
        XCTAssertEqual(report.arms[1].recitation?.meanRatio ?? 0, 0.55, accuracy: 1e-12)
        XCTAssertEqual(report.comparisons[0].count, 4)
        XCTAssertEqual(report.comparisons[0].onlyA, 2)
        XCTAssertEqual(report.recitationComparisons[0].difference, 0.4, accuracy: 1e-12)
        XCTAssertTrue(report.markdown.contains("QA accuracy"), report.markdown)
        XCTAssertTrue(report.markdown.contains("Paired comparisons (recitation, per text)"), report.markdown)
        XCTAssertNotNil(report.recitationChart)
    }
}
