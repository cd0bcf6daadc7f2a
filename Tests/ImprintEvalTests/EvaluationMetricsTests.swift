import Foundation
import ImprintCore
import XCTest
@testable import ImprintEval

/// The metrics computed from answer records, on hand-counted cases.
final class EvaluationMetricsTests: XCTestCase {
    /// Five facts, each with a trained phrasing and two held-out ones:
    ///
    /// | fact | question (trained) | rephrased_3 | rephrased_6 | held-out bucket |
    /// |---|---|---|---|---|
    /// | 0 | correct | correct | correct | both |
    /// | 1 | correct | correct | incorrect | one |
    /// | 2 | correct | incorrect | incorrect | none |
    /// | 3 | incorrect | unparseable | correct | unparseable |
    /// | 4 | correct | incorrect | correct | one |
    func records() -> [AnswerRecord] {
        let verdicts: [[Verdict]] = [[.correct, .correct, .correct], [.correct, .correct, .incorrect], [.correct, .incorrect, .incorrect],
                                     [.incorrect, .unparseable, .correct], [.correct, .incorrect, .correct]]
        let rows = EvalFixtures.phrasingRows(facts: 5)
        return rows.enumerated().map { index, row in EvalFixtures.record(index, row, verdicts[index / 3][index % 3]) }
    }

    func testHeldOutBucketsPerPhrasingAndTheGap() throws {
        let metrics = EvaluationMetrics(records: records(), configuration: EvaluationConfiguration())
        XCTAssertEqual(metrics.counts, VerdictCounts([Verdict](repeating: .correct, count: 9) + [Verdict](repeating: .incorrect, count: 5) + [.unparseable]))
        XCTAssertEqual(metrics.accuracy.successes, 9)
        XCTAssertEqual(metrics.accuracy.trials, 15, "an unparseable verdict counts against accuracy")
        XCTAssertEqual(metrics.judgedAccuracy.trials, 14)
        XCTAssertEqual(metrics.facts, 5)
        XCTAssertNotNil(metrics.accuracyClusterInterval)

        let heldOut = try XCTUnwrap(metrics.heldOut)
        XCTAssertEqual(heldOut.phrasings, ["rephrased_3", "rephrased_6"])
        XCTAssertEqual(heldOut.facts, 5)
        XCTAssertEqual([heldOut.allCorrect.successes, heldOut.someCorrect.successes, heldOut.noneCorrect.successes,
                        heldOut.unparseable.successes], [1, 2, 1, 1])
        XCTAssertEqual(heldOut.allCorrect.trials, 5)
        XCTAssertEqual(heldOut.allCorrect.interval, Statistics.wilson(successes: 1, trials: 5))
        XCTAssertEqual(heldOut.pooledAccuracy.successes, 5)
        XCTAssertEqual(heldOut.pooledAccuracy.trials, 10)
        XCTAssertTrue(heldOut.pooledInterval.contains(0.5))

        let trained = try XCTUnwrap(metrics.trained)
        XCTAssertEqual(trained.pooledAccuracy.successes, 4)
        XCTAssertEqual(trained.allCorrect.successes, 4, "one trained phrasing: all = correct")

        let gap = try XCTUnwrap(metrics.memorizationGap)
        XCTAssertEqual(gap.points, (4.0 / 5.0 - 5.0 / 10.0) * 100, accuracy: 1e-9)
        XCTAssertEqual(gap.facts, 5)
        XCTAssertTrue(gap.interval.contains(gap.points))

        XCTAssertEqual(metrics.phrasings.map(\.name), ["question", "rephrased_3", "rephrased_6"])
        XCTAssertEqual(metrics.phrasings.map(\.heldOut), [false, true, true])
        XCTAssertEqual(metrics.phrasings.map(\.accuracy.successes), [4, 2, 3])
        XCTAssertEqual(metrics.phrasings[1].counts.unparseable, 1)
    }

    /// The intervals that resample facts depend on the seed only: the same seed, the same numbers.
    func testBootstrapIntervalsAreReproducibleFromTheSeed() {
        var configuration = EvaluationConfiguration()
        configuration.bootstrapSeed = 5
        let a = EvaluationMetrics(records: records(), configuration: configuration)
        let b = EvaluationMetrics(records: records().reversed(), configuration: configuration)
        XCTAssertEqual(a.heldOut?.pooledInterval, EvaluationMetrics(records: records(), configuration: configuration).heldOut?.pooledInterval)
        XCTAssertEqual(a.heldOut?.allCorrect, b.heldOut?.allCorrect, "Wilson counts do not depend on order")
    }

    /// Rows without phrasings are plain QA: no held-out metric, accuracy per category, each row its own fact.
    func testPlainQuestions() {
        let rows = (0..<4).map { EvaluationRow(question: "Story \($0 % 2): Q\($0)?", answer: "A\($0)", category: "Story \($0 % 2)") }
        let records = rows.enumerated().map { EvalFixtures.record($0, $1, $0 == 0 ? .correct : .incorrect) }
        let metrics = EvaluationMetrics(records: records, configuration: EvaluationConfiguration())
        XCTAssertNil(metrics.heldOut)
        XCTAssertNil(metrics.memorizationGap)
        XCTAssertNil(metrics.accuracyClusterInterval, "one row per fact: the Wilson interval is the one")
        XCTAssertEqual(metrics.categories.map(\.name), ["Story 0", "Story 1"])
        XCTAssertEqual(metrics.categories.map(\.accuracy.successes), [1, 0])
    }

    func testHeadlineValuesForTrainingCurves() {
        let values = Evaluator.headlineValues(EvaluationMetrics(records: records(), configuration: EvaluationConfiguration()))
        XCTAssertEqual(values["eval_accuracy"]!, 9.0 / 15.0, accuracy: 1e-12)
        XCTAssertEqual(values["eval_heldout_all"]!, 0.2, accuracy: 1e-12)
        XCTAssertEqual(values["eval_heldout_some"]!, 0.4, accuracy: 1e-12)
        XCTAssertEqual(values["eval_unparseable"]!, 1.0 / 15.0, accuracy: 1e-12)
        XCTAssertEqual(values["eval_memorization_gap"]!, 30, accuracy: 1e-9)
    }
}
