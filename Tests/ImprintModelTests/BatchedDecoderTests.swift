import Foundation
import ImprintCore
import ImprintTensor
import XCTest
@testable import ImprintModel

/// Continuous batching against `Generator`: each request's completions are those of its prompt decoded alone.
final class BatchedDecoderTests: XCTestCase {
    func load(_ name: String) throws -> TransformerDecoder {
        try HuggingFaceModelLoader.load(directory: modelFixtures.appendingPathComponent(name))
    }

    /// What `Generator` produces for one prompt alone.
    func alone(_ model: TransformerDecoder, _ prompt: [Int], _ parameters: SamplingParameters, n: Int = 1,
               stopTokenIds: Set<Int> = [], decode: (([Int]) -> String)? = nil) throws -> [GeneratedSequence] {
        try Generator(model: model).generate(prompts: [prompt], parameters: parameters, completionsPerPrompt: n,
                                             stopTokenIds: stopTokenIds, decode: decode)
    }

    func assertSame(_ batched: [GeneratedSequence], _ expected: [GeneratedSequence], _ message: String,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(batched.map(\.tokens), expected.map(\.tokens), message, file: file, line: line)
        XCTAssertEqual(batched.map(\.end), expected.map(\.end), message, file: file, line: line)
        for (a, b) in zip(batched, expected) {
            for (x, y) in zip(a.logProbabilities, b.logProbabilities) { XCTAssertEqual(x, y, accuracy: 1e-4, message, file: file, line: line) }
        }
    }

    func testConcurrentRequestsEqualEachPromptAlone() async throws {
        for name in ["llama", "gemma3"] {  // gemma3: sliding window over right-aligned rows
            let model = try load(name)
            let decoder = BatchedDecoder(model: model)
            let prompts = [[1, 5, 17, 33, 8, 9], [1, 60], [1, 7, 7], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]
            let lengths = [9, 3, 12, 6]  // rows leave at different steps
            let results = try await withThrowingTaskGroup(of: [GeneratedSequence].self) { group in
                for (prompt, length) in zip(prompts, lengths) {
                    group.addTask {
                        try await decoder.generate(DecodingRequest(prompt: prompt, parameters: .greedy(maxTokens: length), stopTokenIds: []))
                    }
                }
                var all: [[GeneratedSequence]] = []
                for try await result in group { all.append(result) }
                return all
            }
            for (prompt, length) in zip(prompts, lengths) {
                let expected = try alone(model, prompt, .greedy(maxTokens: length))
                let match = try XCTUnwrap(results.first { $0[0].tokens.count == length }, "\(name) \(prompt)")
                assertSame(match, expected, "\(name) prompt \(prompt)")
            }
        }
    }

    /// A request that arrives while another decodes joins the running batch between two steps.
    func testRequestJoiningMidwayEqualsItsPromptAlone() async throws {
        let model = try load("gemma3")
        let decoder = BatchedDecoder(model: model)
        let long = [1, 5, 17, 33, 8, 9]
        var sampled = SamplingParameters(maxTokens: 60, temperature: 0.9, topK: 20, seed: 42)
        let firstParameters = sampled
        let first = try decoder.submit(DecodingRequest(prompt: long, parameters: sampled, completions: 2, stopTokenIds: []))
        var firstTokens: [[Int]] = [[], []]
        var joined: [GeneratedSequence]? = nil
        sampled.seed = 7
        sampled.maxTokens = 14
        let joining = DecodingRequest(prompt: [1, 60, 4, 4, 4, 4, 4, 4, 4, 4], parameters: sampled, completions: 3, stopTokenIds: [])
        var joinTask: Task<[GeneratedSequence], Error>? = nil
        for try await event in first {
            if case let .token(completion, token, _) = event {
                firstTokens[completion].append(token)
                // After the fourth step of the first request, a second one arrives (longer prompt: the running rows get padding).
                if joinTask == nil && firstTokens[0].count == 4 {
                    joinTask = Task { try await decoder.generate(joining) }
                }
            }
        }
        joined = try await joinTask!.value
        XCTAssertLessThan(decoder.currentLoad.steps, 60 + 14, "the second request should have joined the running batch")
        XCTAssertEqual(firstTokens, try alone(model, long, firstParameters, n: 2).map(\.tokens))
        assertSame(try XCTUnwrap(joined), try alone(model, joining.prompt, sampled, n: 3), "joining request")
        XCTAssertEqual(decoder.currentLoad.runningCompletions, 0)
    }

    func testStopTokensStopStringsAndLengthEndCompletions() async throws {
        let model = try load("llama")
        let decoder = BatchedDecoder(model: model)
        let decode: @Sendable ([Int]) -> String = { String($0.map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }) }
        var parameters = SamplingParameters(maxTokens: 30, temperature: 1, seed: 5)
        parameters.stop = ["q", "zz"]
        let prompt = [1, 2, 3]
        let expected = try alone(model, prompt, parameters, n: 4, stopTokenIds: [7], decode: decode)
        let batched = try await decoder.generate(DecodingRequest(prompt: prompt, parameters: parameters, completions: 4,
                                                                 stopTokenIds: [7], decode: decode))
        assertSame(batched, expected, "stop tokens and strings")
        XCTAssertGreaterThan(Set(batched.map(\.end)).count, 1, "expected completions ending differently: \(batched.map(\.end))")
    }

    /// The context ends a completion as in `Generator`: prompt and completion fill at most 128 positions.
    func testContextLengthAndRefusedRequests() async throws {
        let model = try load("llama")
        let decoder = BatchedDecoder(model: model, configuration: .init(maxBatchSize: 4))
        let long = (0..<120).map { 3 + ($0 * 37) % 98 }
        let result = try await decoder.generate(DecodingRequest(prompt: long, parameters: .greedy(maxTokens: 1000), stopTokenIds: []))
        assertSame(result, try alone(model, long, .greedy(maxTokens: 1000)), "context")
        XCTAssertEqual(result[0].tokens.count, 8)

        XCTAssertThrowsError(try decoder.submit(DecodingRequest(prompt: long + long, parameters: .greedy(), stopTokenIds: []))) {
            XCTAssertEqual($0 as? GenerationError, .promptTooLong(promptIndex: 0, promptTokens: 240, contextLength: 128))
        }
        XCTAssertThrowsError(try decoder.submit(DecodingRequest(prompt: [], parameters: .greedy(), stopTokenIds: []))) {
            XCTAssertEqual($0 as? GenerationError, .emptyPrompt(promptIndex: 0))
        }
        XCTAssertThrowsError(try decoder.submit(DecodingRequest(prompt: [1], parameters: .greedy(), completions: 5, stopTokenIds: []))) {
            XCTAssertEqual($0 as? BatchedDecoderError, .tooManyCompletions(requested: 5, maxBatchSize: 4))
        }
        XCTAssertThrowsError(try decoder.submit(DecodingRequest(prompt: [1], parameters: SamplingParameters(topP: 0), stopTokenIds: []))) {
            XCTAssertEqual($0 as? InvalidSamplingParameter, InvalidSamplingParameter(.topP, value: "0.0"))
        }
    }

    /// More requests than the batch holds wait for room; all finish with their own tokens.
    func testRequestsBeyondTheBatchSizeWait() async throws {
        let model = try load("qwen2")
        let decoder = BatchedDecoder(model: model, configuration: .init(maxBatchSize: 3, maxPrefillTokens: 8))
        let prompts = (0..<7).map { index in [1] + (0..<(1 + index % 4)).map { 3 + (index * 11 + $0 * 5) % 90 } }
        let parameters = SamplingParameters(maxTokens: 5, temperature: 0.8, seed: 3)
        let results = try await withThrowingTaskGroup(of: (Int, [GeneratedSequence]).self) { group in
            for (index, prompt) in prompts.enumerated() {
                group.addTask {
                    (index, try await decoder.generate(DecodingRequest(prompt: prompt, parameters: parameters,
                                                                      completions: index % 2 + 1, stopTokenIds: [])))
                }
            }
            var all: [Int: [GeneratedSequence]] = [:]
            for try await (index, result) in group { all[index] = result }
            return all
        }
        for (index, prompt) in prompts.enumerated() {
            assertSame(try XCTUnwrap(results[index]), try alone(model, prompt, parameters, n: index % 2 + 1), "prompt \(index)")
        }
        let load = decoder.currentLoad
        XCTAssertEqual(load.runningCompletions, 0)
        XCTAssertEqual(load.queuedRequests, 0)
        XCTAssertEqual(load.generatedTokens, 5 * prompts.indices.map { $0 % 2 + 1 }.reduce(0, +))
    }

    /// A cancelled request leaves the batch at the next step; the others go on unchanged.
    func testCancelledRequestLeavesTheBatch() async throws {
        let model = try load("llama")
        let decoder = BatchedDecoder(model: model)
        let parameters = SamplingParameters.greedy(maxTokens: 60)
        let survivor = Task { try await decoder.generate(DecodingRequest(prompt: [1, 9, 4], parameters: parameters, stopTokenIds: [])) }
        let cancelled = Task { () -> Int in
            var count = 0
            for try await event in try decoder.submit(DecodingRequest(prompt: [1, 2], parameters: parameters, completions: 2, stopTokenIds: [])) {
                if case .token = event { count += 1 }
                if count == 6 { break }  // leaving the loop drops the stream: the request is cancelled
            }
            return count
        }
        let cancelledCount = try await cancelled.value
        XCTAssertEqual(cancelledCount, 6)
        let survived = try await survivor.value
        assertSame(survived, try alone(model, [1, 9, 4], parameters), "survivor")
        await decoder.shutDown()
        XCTAssertLessThan(decoder.currentLoad.generatedTokens, 60 + 2 * 60, "the cancelled rows stopped early")
        XCTAssertThrowsError(try decoder.submit(DecodingRequest(prompt: [1], parameters: parameters, stopTokenIds: []))) {
            XCTAssertEqual($0 as? BatchedDecoderError, .shuttingDown)
        }
    }
}
