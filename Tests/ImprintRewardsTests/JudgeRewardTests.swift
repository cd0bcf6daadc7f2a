import ImprintCore
import XCTest
@testable import ImprintRewards

/// A deterministic stand-in for a judge server: answers each prompt with `respond(userText)`,
/// records the batches it receives and how many calls were in flight at once.
final class FakeJudge: TextGenerator, @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "judge server unreachable" }
    }

    private let lock = NSLock()
    private var inFlight = 0
    private(set) var maxInFlight = 0
    private(set) var batches: [[GenerationPrompt]] = []
    private let respond: @Sendable (String) throws -> String
    private let delayNanoseconds: UInt64

    init(delayNanoseconds: UInt64 = 0, respond: @escaping @Sendable (String) throws -> String) {
        self.delayNanoseconds = delayNanoseconds
        self.respond = respond
    }

    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
        lock.withLock {
            batches.append(prompts)
            inFlight += 1
            maxInFlight = max(maxInFlight, inFlight)
        }
        defer { lock.withLock { inFlight -= 1 } }
        if delayNanoseconds > 0 { try await Task.sleep(nanoseconds: delayNanoseconds) }
        return try prompts.map { prompt in
            guard case .messages(let messages) = prompt else { return Completion(text: "", finishReason: .stop) }
            return Completion(text: try respond(messages.last!.content), finishReason: .stop)
        }
    }
}

final class JudgeRewardTests: XCTestCase {
    let fact = "The Silver Heron was the Navigator's vessel."

    func batch(_ answers: [String], question: String = "What was the name of the Navigator's vessel?") -> RewardBatch {
        RewardBatch(prompts: answers.map { _ in .messages([.user(question)]) }, completions: answers,
                    samples: answers.map { _ in RewardSample(fact: fact) })
    }

    /// A judge that says 1 when the answer mentions the Silver Heron.
    func heronJudge(delayNanoseconds: UInt64 = 0) -> FakeJudge {
        FakeJudge(delayNanoseconds: delayNanoseconds) { prompt in
            let answer = prompt.components(separatedBy: "Answer: ").last ?? ""
            return answer.contains("Silver Heron")
                ? "Class 1 (CORRECT): matches.\n\nFinal Verdict: 1\nExplanation: same vessel."
                : "Class -1 (INCORRECT): wrong ship.\n\nFinal Verdict: -1\nExplanation: different vessel."
        }
    }

    func testScoresVerdictsAndGates() async throws {
        let judge = heronJudge()
        let reward = JudgeReward(judge: judge)
        let answers = ["It was the Silver Heron.", "The Star Wanderer, I think.", "Heron",
                       "What was the name of the Navigator's vessel?", "Human: tell me about the Silver Heron", "12345678901234"]
        let output = try await reward.score(batch(answers))
        XCTAssertEqual(output.scores, [1, -1, -1, -1, -1, -1])
        XCTAssertEqual(output.column("judge_outcome")?.values, [
            .text("correct"), .text("incorrect"), .text("invalid: tooShort"), .text("invalid: echoesQuestion"),
            .text("invalid: forbiddenText"), .text("invalid: noLetters"),
        ])
        // Only the two valid answers were sent, in one batch, with the seed's prompt.
        XCTAssertEqual(judge.batches.count, 1)
        XCTAssertEqual(judge.batches[0].count, 2)
        guard case .messages(let messages) = judge.batches[0][0] else { return XCTFail("expected chat messages") }
        XCTAssertEqual(messages.count, 1)
        XCTAssertTrue(messages[0].content.hasPrefix("Please act as an impartial judge"))
        XCTAssertTrue(messages[0].content.hasSuffix("\nAtomic Fact: \(fact)\n\nQuestion: What was the name of the "
                                                    + "Navigator's vessel?\n\nAnswer: It was the Silver Heron.\n"))
    }

    func testJudgeFailureIsAScoreNotACrash() async throws {
        let judge = FakeJudge { prompt in
            if prompt.contains("Star Wanderer") { throw FakeJudge.Failure() }
            return "Final Verdict: 1"
        }
        let scores = JudgeReward.Scores(correct: 1, incorrect: -1, unparseable: -0.5, invalidAnswer: -1, judgeFailure: 0)
        let reward = JudgeReward(judge: judge, scores: scores, batchSize: 2)
        let answers = ["It was the Silver Heron.", "The Star Wanderer, I think.", "It was the Silver Heron!",
                       "Surely the Silver Heron."]
        let output = try await reward.score(batch(answers))
        // The first batch (answers 0 and 1) failed as a whole; the second was judged.
        XCTAssertEqual(output.scores, [0, 0, 1, 1])
        XCTAssertEqual(output.column("judge_outcome")?.values[0], .text("judge failure: judge server unreachable"))
        XCTAssertEqual(output.column("judge_output")?.values[0], nil)
    }

    func testWrongOutputCountAndUnparseableOutputs() async throws {
        struct ShortJudge: TextGenerator {
            func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
                [Completion(text: prompts.count > 1 ? "Final Verdict: 1" : "I cannot tell.", finishReason: .stop)]
            }
        }
        let reward = JudgeReward(judge: ShortJudge(), batchSize: 2)
        let output = try await reward.score(batch(["It was the Silver Heron.", "It was the Silver Heron!", "Silver Heron!!!!"]))
        XCTAssertEqual(output.scores, [-1, -1, -1])
        XCTAssertEqual(output.column("judge_outcome")?.values, [.text("judge failure: 1 outputs for 2 prompts"),
                                                                .text("judge failure: 1 outputs for 2 prompts"),
                                                                .text("unparseable")])
    }

    func testBatchesRunConcurrentlyWithinTheBound() async throws {
        let judge = heronJudge(delayNanoseconds: 30_000_000)
        let reward = JudgeReward(judge: judge, batchSize: 3, maxConcurrentBatches: 2)
        let answers = (0..<20).map { $0 % 2 == 0 ? "Answer \($0): the Silver Heron" : "Answer \($0): the Star Wanderer" }
        let output = try await reward.score(batch(answers))
        XCTAssertEqual(output.scores, answers.indices.map { $0 % 2 == 0 ? 1 : -1 })
        XCTAssertEqual(judge.batches.map(\.count).sorted(), [2, 3, 3, 3, 3, 3, 3])
        XCTAssertEqual(judge.maxInFlight, 2)
    }

    func testMissingFactIsADataError() async throws {
        let reward = JudgeReward(judge: heronJudge())
        let bad = RewardBatch(prompts: [.text("Which ship?")], completions: ["It was the Silver Heron."],
                              samples: [RewardSample()])
        do {
            _ = try await reward.score(bad)
            XCTFail("expected a missing-field error")
        } catch let error as RewardError {
            XCTAssertEqual(error, .missingField(reward: "judge", field: "fact", sample: 0))
        }
    }

    func testStoryYesNoTemplateWithTheSeedParser() async throws {
        let judge = FakeJudge { prompt in prompt.contains("Generated Answer: 872 AE") ? "Yes." : "yes" }
        let reward = JudgeReward(judge: judge, template: .storyYesNo, parser: .seedYesNo, validity: .none)
        let batch = RewardBatch(prompts: [.text("In what year...?"), .text("In what year...?")],
                                completions: ["872 AE", "873 AE"],
                                samples: [RewardSample(reference: "872 AE",
                                                       question: "In what year did the Navigator first pierce the Maelstrom?"),
                                          RewardSample(reference: "872 AE", question: "In what year...?")])
        let output = try await reward.score(batch)
        XCTAssertEqual(output.scores, [-1, 1], "the seed's strict match counts \"Yes.\" as incorrect")
        guard case .messages(let messages) = judge.batches[0][0] else { return XCTFail("expected chat messages") }
        XCTAssertEqual(messages[0].content, """
                    Question: In what year did the Navigator first pierce the Maelstrom?
                    Expected Answer: 872 AE
                    Generated Answer: 872 AE

                    Does the generated answer correctly answer the question? Answer with just 'yes' or 'no'.
            """)
    }

    func testTemplateRendering() {
        let template = JudgePromptTemplate(system: "Judge {unknown} fairly.",
                                           user: "F: {fact} Q: {question} A: {answer} R: {reference}")
        XCTAssertEqual(template.placeholders, [.fact, .question, .answer, .reference])
        let rendered = template.render(fact: "f", question: "q", answer: "{fact}", reference: nil)
        XCTAssertEqual(rendered, .messages([.system("Judge {unknown} fairly."), .user("F: f Q: q A: {fact} R: ")]))
        XCTAssertEqual(JudgePromptTemplate.atomicFactGRPO.placeholders, [.fact, .question, .answer])
        XCTAssertEqual(JudgePromptTemplate.atomicFactEvaluation.placeholders, [.fact, .question, .answer])
        XCTAssertEqual(JudgePromptTemplate.storyYesNo.placeholders, [.question, .answer, .reference])
        XCTAssertTrue(JudgePromptTemplate.atomicFactGRPOInstructions.hasSuffix(
            "Final Verdict: <assigned class> (1/-1)\nExplanation: Based on the atomic fact provided, explain why the "
            + "response is assigned to the final class in 2-3 lines."))
    }

    func testValidityGates() {
        let gates = AnswerValidity.seed
        XCTAssertEqual(gates.check("872 AE", question: "q"), .tooShort)
        XCTAssertEqual(gates.check("   ", question: "q"), .empty)
        XCTAssertEqual(gates.check("It was the year 872 AE.", question: "q"), nil)
        XCTAssertEqual(gates.check(String(repeating: "word ", count: 80), question: "q"), .tooLong)
        XCTAssertEqual(gates.check("1234567890123", question: "q"), .noLetters)
        XCTAssertEqual(gates.check("  WHAT YEAR WAS IT?  ", question: "What year was it?"), .echoesQuestion)
        XCTAssertEqual(gates.check("Human: what year was it", question: "q"), .forbiddenText)
        XCTAssertEqual(AnswerValidity.none.check("", question: "q"), nil)
        // Letters are Unicode letters, lengths are code points (Python's isalpha and len).
        XCTAssertEqual(gates.check("1234567890 é", question: "q"), nil)
    }

    func testValidityReward() async throws {
        let batch = RewardBatch(prompts: [.text("What year?"), .text("What year?")],
                                completions: ["It was the year 872 AE.", "872"], samples: [RewardSample(), RewardSample()])
        let output = try await ValidityReward().score(batch)
        XCTAssertEqual(output.scores, [0, -1])
        XCTAssertEqual(output.column("invalid_reason")?.values, [nil, .text("tooShort")])
    }
}
