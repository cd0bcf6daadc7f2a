import Foundation
import ImprintCore
import ImprintTensor
import XCTest
@testable import ImprintModel

/// Generation with the KV cache against `transformers` `generate` and against itself.
final class GenerationTests: XCTestCase {
    func load(_ name: String) throws -> TransformerDecoder {
        try HuggingFaceModelLoader.load(directory: modelFixtures.appendingPathComponent(name))
    }

    func testGreedyGenerationMatchesTransformers() throws {
        for name in ["llama", "qwen2", "gemma3"] {
            let model = try load(name)
            let reference = try Reference("\(name)/reference.safetensors")
            for index in 0..<2 {
                let prompt = try reference.ints("generate.prompt.\(index)")
                let expected = try reference.ints("generate.output.\(index)")
                let result = Generator(model: model).generate(prompts: [prompt], parameters: .greedy(maxTokens: expected.count - prompt.count),
                                                              stopTokenIds: [])
                XCTAssertEqual(prompt + result[0].tokens, expected, "\(name) prompt \(index)")
            }
        }
    }

    func testRaggedBatchEqualsEachPromptAlone() throws {
        let model = try load("gemma3")  // sliding window + padding + cache together
        let prompts = [[1, 5, 17, 33, 8, 9], [1, 60], [1, 7, 7]]
        let batched = Generator(model: model).generate(prompts: prompts, parameters: .greedy(maxTokens: 9), stopTokenIds: [])
        for (index, prompt) in prompts.enumerated() {
            let alone = Generator(model: model).generate(prompts: [prompt], parameters: .greedy(maxTokens: 9), stopTokenIds: [])
            XCTAssertEqual(batched[index].tokens, alone[0].tokens, "prompt \(index)")
            for (a, b) in zip(batched[index].logProbabilities, alone[0].logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testSampledLogProbabilitiesEqualRecomputedLogSoftmax() throws {
        let model = try load("llama")
        let prompt = [1, 5, 17, 33]
        let parameters = SamplingParameters(maxTokens: 6, temperature: 0.7, seed: 11)
        let result = Generator(model: model).generate(prompts: [prompt], parameters: parameters, stopTokenIds: [])[0]
        // One forward pass over prompt + completion, logits / T, log-softmax, pick the sampled tokens.
        let sequence = prompt + result.tokens
        let logits = withoutGradients { model(TokenBatch(sequence)) }
        let vocabulary = model.configuration.vocabularySize
        for (step, token) in result.tokens.enumerated() {
            let position = prompt.count - 1 + step
            let row = Tensor(shape: [vocabulary], storage: Array(logits.storage[(position * vocabulary)..<((position + 1) * vocabulary)]))
            let expected = (row / 0.7).logSoftmax().storage[token]
            XCTAssertEqual(result.logProbabilities[step], expected, accuracy: 1e-4, "step \(step)")
        }
    }

    func testSameSeedSameCompletionsAndFanOut() throws {
        let model = try load("qwen2")
        let parameters = SamplingParameters(maxTokens: 8, temperature: 1.0, topP: 0.9, topK: 20, seed: 3)
        let first = Generator(model: model).generate(prompts: [[1, 9, 4], [1, 2]], parameters: parameters, completionsPerPrompt: 3, stopTokenIds: [])
        let second = Generator(model: model).generate(prompts: [[1, 9, 4], [1, 2]], parameters: parameters, completionsPerPrompt: 3, stopTokenIds: [])
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.map(\.promptIndex), [0, 0, 0, 1, 1, 1])
        XCTAssertGreaterThan(Set(first.prefix(3).map(\.tokens)).count, 1, "three samples of one prompt should differ")
        var other = parameters
        other.seed = 4
        XCTAssertNotEqual(Generator(model: model).generate(prompts: [[1, 9, 4]], parameters: other, completionsPerPrompt: 3, stopTokenIds: []).map(\.tokens),
                          first.prefix(3).map(\.tokens))
    }

    func testStopsOnEndOfSequenceAndFinishedRowsLeaveTheBatch() throws {
        let model = try load("llama")
        let reference = try Reference("llama/reference.safetensors")
        let prompt = try reference.ints("generate.prompt.0"), expected = try reference.ints("generate.output.0")
        let stopToken = expected[prompt.count + 2]  // the third greedy token ends the sequence
        var streamed: [Int: [Int]] = [:]
        let results = Generator(model: model).generate(prompts: [prompt, [1, 60, 7]], parameters: .greedy(maxTokens: 8),
                                                       stopTokenIds: [stopToken], onToken: { streamed[$0, default: []].append($1) })
        XCTAssertEqual(results[0].tokens, Array(expected[prompt.count...(prompt.count + 2)]))
        XCTAssertEqual(results[0].finishReason, .endOfSequence)
        XCTAssertEqual(streamed[0], results[0].tokens)
        XCTAssertEqual(streamed[1], results[1].tokens)
        if !results[1].tokens.contains(stopToken) {
            XCTAssertEqual(results[1].tokens.count, 8)
            XCTAssertEqual(results[1].finishReason, .length)
        }
    }

    func testStopStringsEndTheSequence() throws {
        let model = try load("llama")
        // A toy decoder: token t is the letter at t % 26; stop when "q" appears.
        let decode: ([Int]) -> String = { String($0.map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }) }
        var parameters = SamplingParameters(maxTokens: 40, temperature: 1, seed: 5)
        parameters.stop = ["q"]
        let result = Generator(model: model).generate(prompts: [[1, 2, 3]], parameters: parameters, stopTokenIds: [], decode: decode)[0]
        if result.finishReason == .stopString {
            XCTAssertTrue(decode(result.tokens).hasSuffix("q"))
            XCTAssertFalse(decode(Array(result.tokens.dropLast())).contains("q"))
        } else {
            XCTAssertEqual(result.tokens.count, 40)
            XCTAssertFalse(decode(result.tokens).contains("q"))
        }
    }
}
