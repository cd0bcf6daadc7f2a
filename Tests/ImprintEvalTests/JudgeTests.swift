import Foundation
import ImprintCore
import ImprintRewards
import XCTest
@testable import ImprintEval

/// Deterministic judges on worked examples; LLM judges with the seeds' prompts over a scripted judge model: robust
/// parsing, batching, the missing-fact and failure errors; agreement between judges.
final class JudgeTests: XCTestCase {
    func item(_ answer: String, reference: String = "Silver Heron", aliases: [String] = []) -> JudgeItem {
        JudgeItem(question: "What was the ship?", reference: reference, aliases: aliases, answer: answer, fact: "The ship was the Silver Heron.")
    }

    func testMatchRules() {
        let cases: [(MatchJudge.Rule, String, [String], Verdict)] = [
            (.exact, "the Silver Heron.", [], .correct),               // SQuAD normalization: article and period go
            (.exact, "It was the Silver Heron.", [], .incorrect),
            (.alias, "Heron", ["heron"], .correct),
            (.alias, "Heron", [], .incorrect),
            (.contains, "It was the Silver Heron.", [], .correct),
            (.contains, "Silver Herons", [], .incorrect),                // whole words only
            (.contains, "The Star Wanderer", ["the"], .incorrect),        // an alias that normalizes to nothing never matches
            (.tokenF1(threshold: 0.5), "In 872 AE", [], .correct),        // reference "872 AE": F1 0.8
            (.tokenF1(threshold: 0.9), "In 872 AE", [], .incorrect),
        ]
        for (rule, answer, aliases, expected) in cases {
            let reference = rule == .tokenF1(threshold: 0.5) || rule == .tokenF1(threshold: 0.9) ? "872 AE" : "Silver Heron"
            let judgment = MatchJudge(rule).judge(item(answer, reference: reference, aliases: aliases))
            XCTAssertEqual(judgment.verdict, expected, "\(rule) on \"\(answer)\": \(judgment.rawOutput)")
        }
        XCTAssertEqual(MatchJudge(.tokenF1(threshold: 0.5)).judge(item("In 872 AE", reference: "872 AE")).rawOutput,
                       "f1 0.800 >= 0.5 against \"872 AE\"")
        XCTAssertEqual(MatchJudge(.exact).judge(item("The Silver Heron!")).rawOutput, "exact: \"silver heron\" == \"silver heron\"")
        XCTAssertEqual(MatchJudge(.tokenF1(threshold: 0.5)).identity, "f1>=0.5")
    }

    /// Seed 000's yes/no judge: its exact prompt, and verdicts read robustly (`Yes.`, `**yes**`), not by `== "yes"`.
    func testYesNoJudgeReadsVerdictsRobustly() async throws {
        let replies = ["Yes.", "**yes**", "no", "No, it names another ship.", "Maybe?", "yes"]
        let judgeModel = ScriptedGenerator { prompt in
            let index = Int(prompt.components(separatedBy: "Generated Answer: answer ")[1].prefix(1))!
            return replies[index]
        }
        let judge = LLMJudge(generator: judgeModel, prompt: .yesNo, batchSize: 4)
        let judgments = try await judge.judge((0..<6).map { item("answer \($0)") })
        XCTAssertEqual(judgments.map(\.verdict), [.correct, .correct, .incorrect, .incorrect, .unparseable, .correct])
        XCTAssertEqual(judgments.map(\.rawOutput), replies)
        XCTAssertEqual(judgeModel.callSizes, [4, 2], "prompts go to the judge in batches")
        XCTAssertEqual(ScriptedGenerator.text(of: judge.prompt(for: item("Heron"))), """
                    Question: What was the ship?
                    Expected Answer: Silver Heron
                    Generated Answer: Heron

                    Does the generated answer correctly answer the question? Answer with just 'yes' or 'no'.
            """)
        XCTAssertEqual(judge.identity, "llm[yesno]:scripted")
    }

    /// Seed 003's judge: judge_prompt.txt with the fact, question and answer appended, the Final Verdict read.
    func testFinalVerdictJudgeUsesTheSeedPromptAndNeedsFacts() async throws {
        let judgeModel = ScriptedGenerator { prompt in
            prompt.contains("Answer: It was the Silver Heron.") ? "Class 1 (CORRECT): matches.\nFinal Verdict: 1"
                : "Final Verdict: <assigned class> (1/-1)"
        }
        let judge = LLMJudge(generator: judgeModel, prompt: .finalVerdict)
        let judgments = try await judge.judge([item("It was the Silver Heron."), item("The Star Wanderer")])
        XCTAssertEqual(judgments.map(\.verdict), [.correct, .unparseable], "an echoed format is no verdict")
        let prompt = ScriptedGenerator.text(of: judge.prompt(for: item("Heron")))
        XCTAssertTrue(prompt.hasPrefix("Please act as an impartial judge and evaluate whether the LLM's response is factually correct"))
        XCTAssertTrue(prompt.hasSuffix("\nAtomic Fact: The ship was the Silver Heron.\n\nQuestion: What was the ship?\n\nAnswer: Heron\n"))

        var noFact = item("Heron")
        noFact.fact = nil
        do {
            _ = try await judge.judge([noFact])
            XCTFail("a verdict prompt without a fact must be refused")
        } catch let error as LLMJudgeError {
            XCTAssertTrue(error.description.contains("reads each row's \"fact\""), error.description)
        }
    }

    /// A failing judge call is an error (never a silent "incorrect"), and the judgments of the batches that
    /// succeeded are in the cache, so a second run asks only for the rest.
    func testAFailedJudgeCallThrowsAfterCachingTheOthers() async throws {
        struct Down: Error {}
        let cache = try JudgeCache(url: try EvalFixtures.scratchDirectory("cache").appendingPathComponent("judge.jsonl"))
        let failing = ScriptedGenerator { prompt in
            if prompt.contains("answer 3") { throw Down() }
            return "yes"
        }
        let items = (0..<4).map { item("answer \($0)") }
        do {
            _ = try await LLMJudge(generator: failing, prompt: .yesNo, batchSize: 2, cache: cache).judge(items)
            XCTFail("expected the judge failure")
        } catch let error as LLMJudgeError {
            guard case .judgeFailed = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(cache.count, 2, "the first batch's judgments are kept")
        let working = ScriptedGenerator { _ in "no" }
        let judgments = try await LLMJudge(generator: working, prompt: .yesNo, batchSize: 2, cache: cache).judge(items)
        XCTAssertEqual(judgments.map(\.cacheHit), [true, true, false, false])
        XCTAssertEqual(judgments.map(\.verdict), [.correct, .correct, .incorrect, .incorrect])
        XCTAssertEqual(working.callSizes, [2])
    }

    func testAgreementTableAndKappa() {
        let a: [Verdict] = [.correct, .correct, .incorrect, .incorrect, .unparseable, .correct]
        let b: [Verdict] = [.correct, .incorrect, .incorrect, .incorrect, .incorrect, .correct]
        let agreement = JudgeAgreement(nameA: "llm", a: a, nameB: "exact", b: b)
        XCTAssertEqual(agreement.confusion, [[2, 1, 0], [0, 2, 0], [0, 1, 0]])
        XCTAssertEqual(agreement.observedAgreement, 4.0 / 6.0, accuracy: 1e-12)
        // pₑ = (3·2 + 2·4 + 1·0) / 36 = 14/36; κ = (24/36 − 14/36) / (1 − 14/36) = 10/22.
        XCTAssertEqual(agreement.kappa, 10.0 / 22.0, accuracy: 1e-12)
        XCTAssertTrue(agreement.markdown.contains("| correct"))
    }
}
