import Foundation
import ImprintCore
import ImprintTokenizer
import XCTest
@testable import ImprintEval
@testable import ImprintModel
import ImprintTensor

/// A question gets the same greedy answer alone or in any batch, bit for bit (its log-probabilities too), through
/// `LocalTextGenerator`, so re-evaluating a subset reproduces its rows.
///
/// Two things used to break it (see `Generator`): left padding changed attention's sums, and the product kernel
/// changed with the number of rows (up to 16 stream the weights, more use a packed sgemm; each sums in its own order).
/// The dense tiny model exercises the padding; the block-quantized one also the kernel switch (its products stream
/// for every row count up to 16, whatever the matrix size).
final class BatchInvarianceTests: XCTestCase {
    let questions = (0..<21).map { index in
        ["What was the ship?", "In what year did the Navigator first pierce the Maelstrom of Azure, and who sailed with her?",
         "Name it.", "Which artificer from the Crystal Peaks designed the device?", "Who?", "Tell me about the owl story.",
         "Where did the voyage end?"][index % 7] + String(repeating: " Again.", count: index / 7)
    }

    func assertBatchInvariant(_ generator: LocalTextGenerator, prompts: [GenerationPrompt], file: StaticString = #filePath,
                              line: UInt = #line) async throws {
        let parameters = SamplingParameters.greedy(maxTokens: 10)
        var alone: [Completion] = []
        for prompt in prompts { alone += try await generator.generate([prompt], parameters: parameters) }
        let batches: [[Int]] = [Array(prompts.indices), prompts.indices.reversed(), [2, 7, 3], Array(stride(from: 0, to: prompts.count, by: 2))]
        for batch in batches {
            let together = try await generator.generate(batch.map { prompts[$0] }, parameters: parameters)
            for (position, index) in batch.enumerated() {
                XCTAssertEqual(together[position].tokenIds, alone[index].tokenIds, "prompt \(index) in a batch of \(batch.count)",
                               file: file, line: line)
                XCTAssertEqual(together[position].logProbabilities?.map(\.bitPattern), alone[index].logProbabilities?.map(\.bitPattern),
                               "log-probabilities of prompt \(index) in a batch of \(batch.count)", file: file, line: line)
            }
        }
    }

    func testDenseModelChatPrompts() async throws {
        let generator = try LocalTextGenerator(path: EvalFixtures.tinyModel)
        try await assertBatchInvariant(generator, prompts: questions.map { .messages([.user($0)]) })
    }

    func testBlockQuantizedModelRawPrompts() async throws {
        let generator = LocalTextGenerator(model: try ModelLoader.load(path: EvalFixtures.tinyQuantizedModel, keepQuantized: true),
                                           tokenizer: try Self.characterTokenizer())
        XCTAssertTrue(generator.batchInvariant)
        try await assertBatchInvariant(generator, prompts: questions.map { .text($0) })
    }

    /// Prompts that share a long beginning (a system prompt) have it prefilled once for the batch and only their own
    /// remainders prefilled together (`Generator.prefill`); each still gets what it gets alone (prefilled whole).
    func testSharedPrefixPrefilledOnceGivesTheSameCompletions() async throws {
        let quantized = LocalTextGenerator(model: try ModelLoader.load(path: EvalFixtures.tinyQuantizedModel, keepQuantized: true),
                                           tokenizer: try Self.characterTokenizer())
        // A prefix longer than BLAS.smallBatchRows, and a shorter one (prefilled as identical rows, so it packs too).
        for system in ["You are the archivist; answer briefly: ", "Archivist, briefly: "] {
            let prompts = questions.prefix(14).map { GenerationPrompt.text(String((system + $0).prefix(120))) }  // context: 128
            XCTAssertGreaterThan(Generator.sharedPrefixLength(try prompts.map { try quantized.encode($0) }), 8)
            try await assertBatchInvariant(quantized, prompts: prompts)
        }
    }

    /// More prompts than one decoding group (`BLAS.smallBatchRows`) of different lengths: the call's shared prefix is
    /// prefilled once and each group's remainders in a pass of their own; each prompt still gets what it gets alone.
    func testGroupsPrefilledApartAfterOneSharedPrefix() async throws {
        let quantized = LocalTextGenerator(model: try ModelLoader.load(path: EvalFixtures.tinyQuantizedModel, keepQuantized: true),
                                           tokenizer: try Self.characterTokenizer())
        let count = BLAS.smallBatchRows + 9
        let prompts = (0..<count).map { index in
            GenerationPrompt.text(String(("Archivist, briefly: " + questions[index % questions.count]
                + String(repeating: "?", count: index % 5)).prefix(120)))
        }
        XCTAssertGreaterThan(Set(try prompts.map { try quantized.encode($0).count }).count, 5, "the prompts differ in length")
        try await assertBatchInvariant(quantized, prompts: prompts)
    }

    /// The dense model's chat prompts share their template's 65-token system prompt: prefilled once in a batch.
    func testChatTemplateSystemPromptIsShared() throws {
        let generator = try LocalTextGenerator(path: EvalFixtures.tinyModel)
        let prompts = try questions.map { try generator.encode(.messages([.user($0)])) }
        XCTAssertEqual(Generator.sharedPrefixLength(prompts), 65)
        XCTAssertEqual(Generator.sharedPrefixLength([[1, 2, 3], [1, 2, 3, 4]]), 2, "every prompt keeps a token of its own")
        XCTAssertEqual(Generator.sharedPrefixLength([[1, 2, 3], [2, 2, 3]]), 0)
    }

    /// The evaluator's answers for a subset of the questions are the rows of the full evaluation.
    func testEvaluatingASubsetReproducesItsRows() async throws {
        let generator = try LocalTextGenerator(path: EvalFixtures.tinyModel)
        var configuration = EvaluationConfiguration()
        configuration.sampling = .greedy(maxTokens: 8)
        configuration.batchSize = 7
        let rows = questions.map { EvaluationRow(question: $0, answer: "Silver Heron") }
        let evaluator = Evaluator(generator: generator, judge: MatchJudge(.contains), configuration: configuration)
        let full = try await evaluator.evaluate(rows)
        let subset = [3, 11, 20]
        let again = try await evaluator.evaluate(subset.map { rows[$0] })
        XCTAssertEqual(again.records.map(\.answer), subset.map { full.records[$0].answer })
    }

    /// A character-level tokenizer for the 101-id tiny Llama: `<unk>`, `<s>`, `</s>`, printable ASCII, `\n\t\r`.
    static func characterTokenizer() throws -> PretrainedTokenizer {
        let directory = try EvalFixtures.scratchDirectory("tokenizer")
        let tokens = ["<unk>", "<s>", "</s>"] + (32...126).map { String(UnicodeScalar(UInt8($0))) } + ["\n", "\t", "\r"]
        let tokenizer: [String: Any] = [
            "version": "1.0",
            "added_tokens": ["<unk>", "<s>", "</s>"].enumerated().map { ["id": $0, "content": $1, "special": true] },
            "model": ["type": "BPE", "vocab": Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) }),
                      "merges": [String](), "unk_token": "<unk>"],
        ]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: directory.appendingPathComponent("tokenizer.json"))
        return try PretrainedTokenizer.load(modelPath: directory.path)
    }
}
