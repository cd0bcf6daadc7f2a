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
                let result = try Generator(model: model).generate(prompts: [prompt], parameters: .greedy(maxTokens: expected.count - prompt.count),
                                                              stopTokenIds: [])
                XCTAssertEqual(prompt + result[0].tokens, expected, "\(name) prompt \(index)")
            }
        }
    }

    func testRaggedBatchEqualsEachPromptAlone() throws {
        let model = try load("gemma3")  // sliding window + padding + cache together
        let prompts = [[1, 5, 17, 33, 8, 9], [1, 60], [1, 7, 7]]
        let batched = try Generator(model: model).generate(prompts: prompts, parameters: .greedy(maxTokens: 9), stopTokenIds: [])
        for (index, prompt) in prompts.enumerated() {
            let alone = try Generator(model: model).generate(prompts: [prompt], parameters: .greedy(maxTokens: 9), stopTokenIds: [])
            XCTAssertEqual(batched[index].tokens, alone[0].tokens, "prompt \(index)")
            for (a, b) in zip(batched[index].logProbabilities, alone[0].logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testSampledLogProbabilitiesEqualRecomputedLogSoftmax() throws {
        let model = try load("llama")
        let prompt = [1, 5, 17, 33]
        let parameters = SamplingParameters(maxTokens: 6, temperature: 0.7, seed: 11)
        let result = try Generator(model: model).generate(prompts: [prompt], parameters: parameters, stopTokenIds: [])[0]
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
        let first = try Generator(model: model).generate(prompts: [[1, 9, 4], [1, 2]], parameters: parameters, completionsPerPrompt: 3, stopTokenIds: [])
        let second = try Generator(model: model).generate(prompts: [[1, 9, 4], [1, 2]], parameters: parameters, completionsPerPrompt: 3, stopTokenIds: [])
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.map(\.promptIndex), [0, 0, 0, 1, 1, 1])
        XCTAssertGreaterThan(Set(first.prefix(3).map(\.tokens)).count, 1, "three samples of one prompt should differ")
        var other = parameters
        other.seed = 4
        XCTAssertNotEqual(try Generator(model: model).generate(prompts: [[1, 9, 4]], parameters: other, completionsPerPrompt: 3, stopTokenIds: []).map(\.tokens),
                          first.prefix(3).map(\.tokens))
    }

    func testStopsOnEndOfSequenceAndFinishedRowsLeaveTheBatch() throws {
        let model = try load("llama")
        let reference = try Reference("llama/reference.safetensors")
        let prompt = try reference.ints("generate.prompt.0"), expected = try reference.ints("generate.output.0")
        let stopToken = expected[prompt.count + 2]  // the third greedy token ends the sequence
        var streamed: [Int: [Int]] = [:]
        let results = try Generator(model: model).generate(prompts: [prompt, [1, 60, 7]], parameters: .greedy(maxTokens: 8),
                                                       stopTokenIds: [stopToken], onToken: { streamed[$0, default: []].append($1) })
        XCTAssertEqual(results[0].tokens, Array(expected[prompt.count...(prompt.count + 2)]))
        XCTAssertEqual(results[0].end, .endOfSequence)
        XCTAssertEqual(streamed[0], results[0].tokens)
        XCTAssertEqual(streamed[1], results[1].tokens)
        if !results[1].tokens.contains(stopToken) {
            XCTAssertEqual(results[1].tokens.count, 8)
            XCTAssertEqual(results[1].end, .length)
        }
    }

    /// Rows that finish at different steps leave by swap-remove (the last row takes the finished one's place in the
    /// cache, which is cut without a copy): every row still gets the tokens and log-probabilities it gets alone.
    func testRowsLeavingAtDifferentStepsEqualEachPromptAlone() throws {
        let model = try load("llama")
        let prompts = [[1, 5, 17, 33], [1, 60, 7], [1, 9], [1, 44, 2, 81, 6], [1, 12, 12], [1, 70, 3, 3]]
        let free = try Generator(model: model).generate(prompts: prompts, parameters: .greedy(maxTokens: 8), stopTokenIds: [])
        // Stop on tokens the rows produce early (second and third), so rows leave at different steps.
        let stops = Set([free[0].tokens[1], free[2].tokens[2], free[4].tokens[1]])
        let batched = try Generator(model: model).generate(prompts: prompts, parameters: .greedy(maxTokens: 8), stopTokenIds: stops)
        XCTAssertGreaterThan(Set(batched.map(\.tokens.count)).count, 2, "rows should finish at several different steps")
        for (index, prompt) in prompts.enumerated() {
            let alone = try Generator(model: model).generate(prompts: [prompt], parameters: .greedy(maxTokens: 8), stopTokenIds: stops)
            XCTAssertEqual(batched[index].tokens, alone[0].tokens, "prompt \(index)")
            XCTAssertEqual(batched[index].end, alone[0].end, "prompt \(index)")
            for (a, b) in zip(batched[index].logProbabilities, alone[0].logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    /// `selectRows` with a swap-remove order moves rows in place and equals selecting them into new buffers.
    func testSwapRemovedRowsEqualSelectedCopies() {
        var generator = RandomGenerator(seed: 3)
        let keys = Tensor.randomNormal([5, 2, 3, 4], generator: &generator), values = Tensor.randomNormal([5, 2, 3, 4], generator: &generator)
        let cache = KVCache(layerCount: 1, batchSize: 5)
        _ = withoutGradients { cache.layers[0].appending(keys: keys, values: values) }
        let capacity = cache.layers[0].keys!.shape[2]
        let expectedKeys = cache.layers[0].keys!.indexSelect([0, 4, 2]), expectedValues = cache.layers[0].values!.indexSelect([0, 4, 2])
        let order = KVCache.swapRemoving([1, 3], from: 5)
        XCTAssertEqual(order, [0, 4, 2])
        cache.selectRows(order)
        XCTAssertEqual(cache.batchSize, 3)
        XCTAssertEqual(cache.layers[0].keys!.shape, [3, 2, capacity, 4])
        XCTAssertEqual(cache.layers[0].keys!.scalars, expectedKeys.scalars)
        XCTAssertEqual(cache.layers[0].values!.scalars, expectedValues.scalars)
        XCTAssertEqual(KVCache.swapRemoving([0, 1, 2], from: 3), [])
        XCTAssertEqual(KVCache.swapRemoving([0], from: 3), [2, 1])

        // With gradients on, the cache's tensors may be held by the graph: selecting copies and leaves them intact.
        let tracked = KVCache(layerCount: 1, batchSize: 5)
        _ = tracked.layers[0].appending(keys: keys, values: values)
        let held = tracked.layers[0].keys!
        tracked.selectRows(order)
        XCTAssertEqual(held.scalars, keys.scalars)
        XCTAssertEqual(tracked.layers[0].keys!.scalars, keys.indexSelect([0, 4, 2]).scalars)
    }

    func testStopStringsEndTheSequence() throws {
        let model = try load("llama")
        // A toy decoder: token t is the letter at t % 26; stop when "q" appears.
        let decode: ([Int]) -> String = { String($0.map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }) }
        var parameters = SamplingParameters(maxTokens: 40, temperature: 1, seed: 5)
        parameters.stop = ["q"]
        let result = try Generator(model: model).generate(prompts: [[1, 2, 3]], parameters: parameters, stopTokenIds: [], decode: decode)[0]
        if result.end == .stopString {
            XCTAssertTrue(decode(result.tokens).hasSuffix("q"))
            XCTAssertFalse(decode(Array(result.tokens.dropLast())).contains("q"))
        } else {
            XCTAssertEqual(result.tokens.count, 40)
            XCTAssertFalse(decode(result.tokens).contains("q"))
        }
    }

    /// The tiny llama's context is 128 positions (`max_position_embeddings`): prompt and completion
    /// together fill at most 128, as vLLM's `max_model_len`; a prompt with no room left is refused.
    func testGenerationEndsAtTheContextLength() throws {
        let model = try load("llama")
        XCTAssertEqual(model.configuration.maxPositionEmbeddings, 128)
        var random = RandomGenerator(seed: 7)
        let long = (0..<120).map { _ in 3 + Int(random.next() % 98) }
        let results = try Generator(model: model).generate(prompts: [long, [1, 60, 7], long + long.prefix(7)],
                                                           parameters: .greedy(maxTokens: 100_000), stopTokenIds: [])
        XCTAssertEqual(results.map(\.tokens.count), [8, 125, 1])
        XCTAssertEqual(results.map(\.end), [.length, .length, .length])
        XCTAssertEqual(results.map(\.end.finishReason), [.length, .length, .length])
        // The cap changes where generation ends, not what it generates.
        let short = try Generator(model: model).generate(prompts: [long], parameters: .greedy(maxTokens: 5), stopTokenIds: [])[0]
        XCTAssertEqual(short.tokens, Array(results[0].tokens.prefix(5)))
        XCTAssertEqual(short.end, .length)

        XCTAssertThrowsError(try Generator(model: model).generate(prompts: [[1, 2], long + long.prefix(8)], parameters: .greedy())) { error in
            XCTAssertEqual(error as? GenerationError, .promptTooLong(promptIndex: 1, promptTokens: 128, contextLength: 128))
            XCTAssertTrue("\(error)".contains("128 tokens") && "\(error)".contains("at most 127"), "\(error)")
        }
    }

    /// Prompts come from user text: one that encodes to nothing (an empty text, no BOS) or holds an
    /// id the embedding table lacks (a tokenizer larger than the model) is a typed error, not a trap.
    func testEmptyPromptsAndOutOfRangeTokensAreRefused() throws {
        let model = try load("llama")
        XCTAssertEqual(model.configuration.vocabularySize, 101)
        XCTAssertThrowsError(try Generator(model: model).generate(prompts: [[1, 2], []], parameters: .greedy())) { error in
            XCTAssertEqual(error as? GenerationError, .emptyPrompt(promptIndex: 1))
            XCTAssertTrue("\(error)".contains("prompt 1 has no tokens"), "\(error)")
        }
        for token in [101, -1] {
            XCTAssertThrowsError(try Generator(model: model).generate(prompts: [[1, 2], [3, token, 4]], parameters: .greedy())) { error in
                XCTAssertEqual(error as? GenerationError, .tokenOutOfRange(promptIndex: 1, token: token, vocabularySize: 101))
                XCTAssertTrue("\(error)".contains("token id \(token)") && "\(error)".contains("0..<101"), "\(error)")
            }
        }
    }

    func testSamplingParametersOutOfRangeAreNamed() throws {
        let model = try load("llama")
        let cases: [(SamplingParameters, InvalidSamplingParameter)] = [
            (SamplingParameters(maxTokens: 0), InvalidSamplingParameter(.maxTokens, value: "0")),
            (SamplingParameters(temperature: -0.5), InvalidSamplingParameter(.temperature, value: "-0.5")),
            (SamplingParameters(temperature: .nan), InvalidSamplingParameter(.temperature, value: "nan")),
            (SamplingParameters(topP: 7), InvalidSamplingParameter(.topP, value: "7.0")),
            (SamplingParameters(topP: 0), InvalidSamplingParameter(.topP, value: "0.0")),
            (SamplingParameters(topK: -1), InvalidSamplingParameter(.topK, value: "-1")),
            (SamplingParameters(minP: 1.5), InvalidSamplingParameter(.minP, value: "1.5")),
        ]
        for (parameters, expected) in cases {
            XCTAssertThrowsError(try Generator(model: model).generate(prompts: [[1, 2]], parameters: parameters)) { error in
                XCTAssertEqual(error as? InvalidSamplingParameter, expected)
            }
        }
        XCTAssertEqual(InvalidSamplingParameter(.topP, value: "7.0").description,
                       "topP = 7.0 is out of range: expected a value in (0, 1] (1 = off)")
        XCTAssertNoThrow(try SamplingParameters(maxTokens: 1, temperature: 0, topP: 1, topK: 0, minP: 1).validate())
    }
}
