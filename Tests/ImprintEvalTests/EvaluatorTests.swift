import Foundation
import ImprintCore
import ImprintRewards
import XCTest
@testable import ImprintEval

/// The evaluator over a scripted model: prompts, batches, records; the report folder; recitation; comparisons.
final class EvaluatorTests: XCTestCase {
    /// Answers `answer k` to every phrasing of fact k that is not `rephrased_6`, and nothing useful otherwise.
    func model() -> ScriptedGenerator {
        ScriptedGenerator(identity: "scripted-model") { prompt in
            let fact = prompt.dropFirst().prefix { $0.isNumber }
            return prompt.contains("rephrased_6") ? "I do not know." : "It is answer \(fact)."
        }
    }

    func testQuestionsGoInBatchesWithThePromptShapeAndAreJudgedInOrder() async throws {
        var configuration = EvaluationConfiguration()
        configuration.batchSize = 4
        configuration.answerPrompt = .seedStory
        let recorder = ScriptedGenerator { _ in "answer" }
        let rows = EvalFixtures.phrasingRows(facts: 3)
        let run = try await Evaluator(generator: recorder, judge: MatchJudge(.contains), configuration: configuration).evaluate(rows)
        XCTAssertEqual(recorder.callSizes, [4, 4, 1])
        XCTAssertEqual(recorder.prompts.first, "Q0 as question?Answer in 3 words or less.", "seed 000's shape: no space before Answer")
        XCTAssertEqual(run.records.map(\.index), Array(0..<9))
        XCTAssertEqual(run.records.map(\.question), rows.map(\.question))
        XCTAssertEqual(run.records.map(\.heldOut), [false, true, true, false, true, true, false, true, true])
        XCTAssertEqual(run.model, "scripted")
        XCTAssertEqual(run.judge, "contains")
    }

    /// Batches hold questions of similar length (shortest first, so a local model pads little); each record still
    /// pairs a row with the answer to its own question, in the rows' order.
    func testBatchesGoShortestFirstAndRecordsKeepTheRowOrder() async throws {
        var configuration = EvaluationConfiguration()
        configuration.batchSize = 2
        let echo = ScriptedGenerator { prompt in "echo " + prompt }
        let questions = ["a much longer question than the others?", "short?", "a medium question?", "tiny?", "mid-sized one?"]
        let rows = questions.map { EvaluationRow(question: $0, answer: "x") }
        let run = try await Evaluator(generator: echo, judge: MatchJudge(.contains), configuration: configuration).evaluate(rows)
        XCTAssertEqual(echo.prompts, ["tiny?", "short?", "mid-sized one?", "a medium question?", "a much longer question than the others?"])
        XCTAssertEqual(run.records.map(\.index), Array(0..<5))
        XCTAssertEqual(run.records.map(\.answer), questions.map { "echo " + $0 })
    }

    /// A generator that counts its prompts' tokens (a local model) has them ordered by that count, not by text length.
    func testBatchesFollowTheGeneratorsTokenCounts() async throws {
        var configuration = EvaluationConfiguration()
        configuration.batchSize = 2
        // Tokens: one per word, so "a b c d?" (8 bytes, 4 tokens) is longer than "abcdefghij?" (11 bytes, 1 token).
        let counting = ScriptedGenerator(tokenCount: { $0.split(separator: " ").count }) { _ in "x" }
        let questions = ["a b c d?", "abcdefghij?", "ab cd?"]
        let rows = questions.map { EvaluationRow(question: $0, answer: "x") }
        let run = try await Evaluator(generator: counting, judge: MatchJudge(.contains), configuration: configuration).evaluate(rows)
        XCTAssertEqual(counting.prompts, ["abcdefghij?", "ab cd?", "a b c d?"])
        XCTAssertEqual(counting.callSizes, [2, 1])
        XCTAssertEqual(run.records.map(\.question), questions)
    }

    /// A report folder holds every file; answers.jsonl and report.json read back to the same records and metrics.
    func testTheReportFolderReadsBack() async throws {
        let rows = EvalFixtures.phrasingRows(facts: 4)
        var configuration = EvaluationConfiguration()
        configuration.bootstrapReplicates = 200
        let run = try await Evaluator(generator: model(), judge: MatchJudge(.contains), configuration: configuration).evaluate(rows)
        XCTAssertEqual(run.metrics.heldOut?.someCorrect.successes, 4, "rephrased_3 right, rephrased_6 wrong: one of two")
        XCTAssertEqual(run.metrics.memorizationGap?.points ?? .nan, 50, accuracy: 1e-9)

        let output = try EvalFixtures.scratchDirectory("report")
        let metricsPath = try EvalFixtures.file("metrics.jsonl", """
            {"step": 1, "loss": 2.5, "total_steps": 2}
            {"step": 2, "loss": 1.5}
            {"step": 2, "eval_heldout_all": 0.25, "eval_accuracy": 0.5}
            """)
        let report = EvaluationReport(run: run, dataset: EvaluationDataset(path: "facts.jsonl", rows: rows), label: "scripted",
                                      learningCurves: try LearningCurves(path: metricsPath))
        let written = try report.write(records: run.records, to: output).map(\.lastPathComponent)
        XCTAssertEqual(Set(written), ["answers.jsonl", "report.json", "heldout.svg", "trained.svg", "phrasings.svg", "learning.svg",
                                      "training.svg", "report.md", "report.html"])
        XCTAssertEqual(try EvaluationReport.loadAnswers(from: output), run.records)
        let loaded = try EvaluationReport.load(from: output)
        XCTAssertEqual(loaded, report)
        XCTAssertEqual(EvaluationMetrics(records: run.records, configuration: loaded.configuration), loaded.metrics,
                       "every number is recomputed from answers.jsonl")
        XCTAssertEqual(loaded.learningCurves?.training.first?.values, [2.5, 1.5])
        XCTAssertEqual(loaded.learningCurves?.evaluation.map(\.name), ["eval_accuracy", "eval_heldout_all"])

        let markdown = try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| one         |     4 | 100.0% |"), markdown)
        XCTAssertTrue(markdown.contains("Trained − held-out pooled accuracy = **+50.0 points**"), markdown)
        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 5, "every chart inline")
        XCTAssertFalse(html.contains("src=\""), "self-contained")
    }

    func testRecitationIsTheDifflibRatio() async throws {
        let story = "The Silver Heron sailed in 872 AE under Captain Elara, seeking the Codex of the Sunken City."
        let rows = [EvaluationRow(question: "Tell me about the Heron.", answer: story)]
        let reciter = ScriptedGenerator { _ in "The Silver Heron sailed in 872 AE under Captain Corvus." }
        let run = try await Evaluator(generator: reciter, judge: MatchJudge(.exact)).recite(rows)
        XCTAssertEqual(run.records[0].ratio, SequenceMatcher("The Silver Heron sailed in 872 AE under Captain Corvus.", story).ratio())
        XCTAssertEqual(run.metrics.meanRatio, run.records[0].ratio)
    }

    /// Two runs on the same questions: the paired comparison counts the questions only one got right, and runs sharing
    /// a label are summarized across seeds.
    func testComparisonOfRuns() async throws {
        let rows = EvalFixtures.phrasingRows(facts: 6)
        var configuration = EvaluationConfiguration()
        configuration.bootstrapReplicates = 200
        let good = try await Evaluator(generator: model(), judge: MatchJudge(.contains), configuration: configuration).evaluate(rows)
        let silent = ScriptedGenerator { _ in "no" }
        let bad = try await Evaluator(generator: silent, judge: MatchJudge(.contains), configuration: configuration).evaluate(rows)
        let dataset = EvaluationDataset(rows: rows)
        func report(_ run: EvaluationRun, _ label: String) -> EvaluationReport { EvaluationReport(run: run, dataset: dataset, label: label) }
        let comparison = try RunComparison(runs: [(report(good, "sft"), good.records, "a"), (report(bad, "base"), bad.records, "b"),
                                                  (report(bad, "base"), Array(bad.records.prefix(9)), "c")], replicates: 200)
        XCTAssertEqual(comparison.comparisons.count, 3)
        let first = comparison.comparisons[0]
        XCTAssertEqual(first.shared, 18)
        XCTAssertEqual(first.all.onlyA, 12)
        XCTAssertEqual(first.all.onlyB, 0)
        XCTAssertEqual(first.all.difference, 12.0 / 18.0 * 100, accuracy: 1e-9)
        XCTAssertEqual(first.heldOut?.count, 12)
        XCTAssertTrue(first.all.summary.hasPrefix("sft − base #1 = +66.7 points ["), first.all.summary)
        XCTAssertEqual(comparison.comparisons[2].shared, 9, "compared on the questions both answered")
        XCTAssertEqual(comparison.seedGroups.map(\.label), ["base"])
        XCTAssertEqual(comparison.seedGroups[0].metrics["accuracy"]?.mean, 0)

        let output = try EvalFixtures.scratchDirectory("compare")
        let written = try comparison.write(to: output).map(\.lastPathComponent)
        XCTAssertEqual(Set(written), ["compare.json", "accuracy.svg", "heldout.svg", "phrasings.svg", "compare.md", "compare.html"])
        let markdown = try String(contentsOf: output.appendingPathComponent("compare.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("## Across seeds: base"), markdown)
    }
}
