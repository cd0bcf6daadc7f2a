import Foundation
import ImprintCore
import XCTest
@testable import ImprintEval

/// The judge cache: keyed by prompt, judge identity and sampling; survives reopening; tolerates a torn last line.
final class JudgeCacheTests: XCTestCase {
    let prompt = GenerationPrompt.messages([.user("Question: Q\nGenerated Answer: A")])

    func testEntriesAreKeyedByPromptJudgeAndSampling() throws {
        let url = try EvalFixtures.scratchDirectory("cache").appendingPathComponent("judge.jsonl")
        let cache = try JudgeCache(url: url)
        try cache.store("yes", for: prompt, judge: "local:judge.gguf", sampling: .greedy(maxTokens: 16))
        XCTAssertEqual(cache.output(for: prompt, judge: "local:judge.gguf", sampling: .greedy(maxTokens: 16)), "yes")
        XCTAssertNil(cache.output(for: prompt, judge: "local:other.gguf", sampling: .greedy(maxTokens: 16)))
        XCTAssertNil(cache.output(for: prompt, judge: "local:judge.gguf", sampling: .greedy(maxTokens: 300)))
        XCTAssertNil(cache.output(for: .text("Question: Q\nGenerated Answer: A"), judge: "local:judge.gguf", sampling: .greedy(maxTokens: 16)))
        var seeded = SamplingParameters(maxTokens: 16, temperature: 0.7, seed: 1)
        try cache.store("no", for: prompt, judge: "local:judge.gguf", sampling: seeded)
        seeded.seed = 2
        XCTAssertNil(cache.output(for: prompt, judge: "local:judge.gguf", sampling: seeded))

        let reopened = try JudgeCache(url: url)
        XCTAssertEqual(reopened.count, 2)
        XCTAssertEqual(reopened.output(for: prompt, judge: "local:judge.gguf", sampling: .greedy(maxTokens: 16)), "yes")
        XCTAssertEqual(reopened.skippedLines, 0)
    }

    /// A process killed mid-write leaves a torn last line: it is skipped and counted, and the next entry starts on a
    /// line of its own, so both the entries before and after it read back.
    func testATornLastLineIsSkippedAndTheNextEntryStartsOnANewLine() throws {
        let url = try EvalFixtures.scratchDirectory("torn").appendingPathComponent("judge.jsonl")
        let cache = try JudgeCache(url: url)
        try cache.store("yes", for: prompt, judge: "j", sampling: .greedy(maxTokens: 16))
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"judge\":\"j\",\"output\":\"Final Verd".utf8))
        try handle.close()

        let reopened = try JudgeCache(url: url)
        XCTAssertEqual(reopened.count, 1)
        XCTAssertEqual(reopened.skippedLines, 1)
        try reopened.store("no", for: .text("another"), judge: "j", sampling: .greedy(maxTokens: 16))
        let again = try JudgeCache(url: url)
        XCTAssertEqual(again.count, 2)
        XCTAssertEqual(again.skippedLines, 1)
        XCTAssertEqual(again.output(for: .text("another"), judge: "j", sampling: .greedy(maxTokens: 16)), "no")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, "entry, torn line, entry, and the final newline")
    }

    /// Evaluating twice with an LLM judge and a cache asks the judge only the first time; the report counts the hits.
    func testReevaluatingAsksTheJudgeNothingTwice() async throws {
        let cache = try JudgeCache(url: try EvalFixtures.scratchDirectory("reeval").appendingPathComponent("judge.jsonl"))
        let model = ScriptedGenerator(identity: "model") { prompt in prompt.hasPrefix("Q1") ? "answer 1" : "no idea" }
        let judgeModel = ScriptedGenerator(identity: "judge") { prompt in prompt.contains("Generated Answer: answer") ? "Yes." : "No." }
        let evaluator = Evaluator(generator: model, judge: LLMJudge(generator: judgeModel, prompt: .yesNo, cache: cache))
        let rows = EvalFixtures.phrasingRows(facts: 3)
        let first = try await evaluator.evaluate(rows)
        XCTAssertEqual(first.cacheHits, 0)
        let calls = judgeModel.callSizes.count
        let second = try await evaluator.evaluate(rows)
        XCTAssertEqual(second.cacheHits, rows.count)
        XCTAssertEqual(judgeModel.callSizes.count, calls, "no judge call the second time")
        XCTAssertEqual(second.records.map(\.verdict), first.records.map(\.verdict))
        XCTAssertEqual(first.metrics.counts.correct, 3)
    }
}
